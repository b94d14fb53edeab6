"""Template rules for the estimated delivery dates: the delivered-history function writes only its
own items and sees only deliveries; the trackings API reads only the histograms besides its own."""

import json

from tests.conftest import TEMPLATE
from trackline_local.template import load_yaml

resources = load_yaml(TEMPLATE)["Resources"]


def statements(function: str) -> list[dict]:
    return [s for policy in resources[function]["Properties"]["Policies"] for s in policy["Statement"]]


def test_the_transit_history_writes_only_histograms_and_its_ledger():
    writes = [s for s in statements("TransitHistoryFunction") if {"dynamodb:PutItem", "dynamodb:UpdateItem"} & set(s["Action"])]
    assert len(writes) == 1 and sorted(writes[0]["Action"]) == ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert writes[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["TRANSIT#*", "DELIVERY#*"]
    reads = {action for s in statements("TransitHistoryFunction") for action in s["Action"] if action.startswith("dynamodb:")}
    assert reads - {"dynamodb:PutItem", "dynamodb:UpdateItem"} == {
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


def test_the_transit_history_sees_only_writes_that_leave_a_tracking_delivered():
    event = resources["TransitHistoryFunction"]["Properties"]["Events"]["TableStream"]["Properties"]
    assert json.loads(event["FilterCriteria"]["Filters"][0]["Pattern"]) == {
        "dynamodb": {"Keys": {"sk": {"S": ["TRACKING"]}}, "NewImage": {"tag": {"S": ["Delivered"]}}}}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and event["BisectBatchOnFunctionError"] is True
    assert event["DestinationConfig"]["OnFailure"]["Destination"].value == ["TransitHistoryFailureQueue", "Arn"]


def test_predict_batch_is_routed_to_the_trackings_api_which_reads_only_histograms_in_batches():
    properties = resources["TrackingsApiFunction"]["Properties"]
    assert properties["Events"]["EstimatedDeliveryDates"]["Properties"]["Path"] == "/tracking/2024-04/estimated-delivery-date/{proxy+}"
    batch_reads = [s for s in statements("TrackingsApiFunction") if "dynamodb:BatchGetItem" in s["Action"]]
    assert [s["Action"] for s in batch_reads] == [["dynamodb:BatchGetItem"]]
    assert batch_reads[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["TRANSIT#*"]
