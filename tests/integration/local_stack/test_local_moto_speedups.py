"""The local stack's TransactWriteItems, item building and answers behave as moto's (and DynamoDB's)."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from trackline_local.moto_speedups import install


@pytest.fixture
def client():
    install()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="T",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def put(pk: str, condition: str | None = None, **attributes) -> dict:
    operation = {"TableName": "T", "Item": {"pk": {"S": pk}, **{k: {"S": v} for k, v in attributes.items()}}}
    if condition:
        operation["ConditionExpression"] = condition
        operation["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Put": operation}


def test_a_failed_condition_cancels_everything_with_a_reason_per_item(client):
    client.transact_write_items(TransactItems=[put("a", value="old")])
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.transact_write_items(TransactItems=[
            put("b"),
            put("a", "attribute_not_exists(pk)", value="new"),
            put("c", "attribute_exists(pk)"),
        ])
    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert reasons[1]["Item"] == {"pk": {"S": "a"}, "value": {"S": "old"}}
    assert "Item" not in client.get_item(TableName="T", Key={"pk": {"S": "b"}})


def test_all_writes_land_together_and_one_item_twice_is_refused(client):
    client.transact_write_items(TransactItems=[
        put("a", "attribute_not_exists(pk)"),
        put("b"),
        {"Update": {"TableName": "T", "Key": {"pk": {"S": "c"}}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}},
    ])
    assert client.scan(TableName="T")["Count"] == 3
    client.transact_write_items(TransactItems=[{"Delete": {"TableName": "T", "Key": {"pk": {"S": "a"}}}}])
    assert client.scan(TableName="T")["Count"] == 2
    with pytest.raises(ClientError, match="multiple operations on one item"):
        client.transact_write_items(TransactItems=[put("x"), put("x")])


def test_a_write_refused_half_way_restores_what_was_written(client):
    client.put_item(TableName="T", Item={"pk": {"S": "a"}, "value": {"S": "before"}})
    too_large = put("z", value="x" * 410_000)
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[put("a", value="after"), put("b"), too_large])
    assert client.get_item(TableName="T", Key={"pk": {"S": "a"}})["Item"]["value"] == {"S": "before"}
    assert client.scan(TableName="T")["Count"] == 1


def test_items_over_the_size_limit_are_still_refused(client):
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        client.put_item(TableName="T", Item={"pk": {"S": "big"}, "a": {"S": "x" * 300_000}, "b": {"S": "y" * 110_000}})
    client.put_item(TableName="T", Item={"pk": {"S": "fits"}, "a": {"S": "x" * 300_000}})


def test_a_query_of_one_partition_keeps_order_conditions_filters_and_pages():
    install()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="R",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for pk in ("a", "b"):
            for sk in ("ROWS#3", "ROWS#1", "IMPORT", "ROWS#2"):
                dynamodb.put_item(TableName="R", Item={"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": sk[-1] if sk[-1].isdigit() else "0"}})
        request = {
            "TableName": "R", "KeyConditionExpression": "pk = :pk AND begins_with(sk, :rows)", "FilterExpression": "n > :zero",
            "ExpressionAttributeValues": {":pk": {"S": "a"}, ":rows": {"S": "ROWS#"}, ":zero": {"N": "1"}},
            "ScanIndexForward": False, "Limit": 2,
        }
        first = dynamodb.query(**request)
        assert [item["sk"]["S"] for item in first["Items"]] == ["ROWS#3", "ROWS#2"]
        rest = dynamodb.query(**request, ExclusiveStartKey=first["LastEvaluatedKey"])
        assert rest["Items"] == [] and dynamodb.query(TableName="R", KeyConditionExpression="pk = :pk",
                                                      ExpressionAttributeValues={":pk": {"S": "c"}})["Items"] == []
        assert dynamodb.query(TableName="R", KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "b"}})["Count"] == 4


def test_items_are_answered_in_the_json_moto_s_own_serializer_writes():
    import json

    from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    install()
    model = get_service_model("dynamodb")
    item = {
        "s": {"S": "é ☕"}, "n": {"N": "-1.5E3"}, "b": {"B": b"\x00\xff\x10"}, "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"x", b"\x01"]}, "null": {"NULL": True}, "bool": {"BOOL": False},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"M": {}}, {"L": []}, {"B": b"y"}]}}},
    }
    result = {"Responses": {"T": [item, {"pk": {"S": "only"}}]}, "UnprocessedKeys": {}, "ConsumedCapacity": [{"TableName": "T", "CapacityUnits": 1.0}]}

    def answer() -> dict:
        serializer = JSONSerializer(operation_model=model.operation_model("BatchGetItem"), pretty_print=False,
                                    value_picker=XFormedAttributePicker())
        return json.loads(serializer.serialize(result)["body"])

    direct = answer()
    patched = BaseJSONSerializer._serialize
    BaseJSONSerializer._serialize = patched.original
    try:
        generic = answer()
    finally:
        BaseJSONSerializer._serialize = patched
    assert direct == generic and direct["Responses"]["T"][0]["b"] == {"B": "AP8Q"}
