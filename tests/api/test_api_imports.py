"""Imports, exports and carrier names over HTTP, against the local stack: the official SDK creates
with a carrier name, a CSV is uploaded and dropped in the local bucket, the worker is invoked with
what the stack's queue holds (these tests run the stack without queue pumps)."""

import csv
import io
import json
import random
import uuid

import pytest

from tests.data.imports.generate_bulk import royal_mail

pytestmark = pytest.mark.api


def _work_off_the_import_queue(stack) -> int:
    sqs, url = stack.sqs_client(), stack.queue_urls["ImportQueue"]
    handled = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        for message in messages:
            record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
                      "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}
            assert stack.invoke("ImportWorkerFunction", {"Records": [record]}) == {"batchItemFailures": []}
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    return handled


def test_the_sdk_creates_with_a_sales_channel_carrier_name(client):
    number = royal_mail(random.Random(uuid.uuid4().int))
    created = client.tracking.create_tracking({"tracking_number": number, "slug": "Royal mail - 24®/48® RM tracked"})
    assert created.slug == "royal-mail"
    assert client.tracking.get_tracking_by_slug_tracking_number("royal-mail", number).id == created.id


def test_a_csv_upload_is_imported_and_reported(http, stack, client, new_number):
    headers = {"as-api-key": stack.api_key}
    good, bad = new_number(), new_number()
    body = f"Tracking Number,Courier,Title,custom_fields.channel\r\n{good},Hermes/EVRI,Café ☕,web\r\n{bad},Royal Mael,x,\r\n"
    reply = http.post("/tracking/2024-04/imports", content=body.encode(), headers={**headers, "content-type": "text/csv"})
    assert reply.status_code == 202 and reply.headers["content-type"] == "application/json"
    import_id = reply.json()["data"]["import"]["id"]
    assert _work_off_the_import_queue(stack) == 1

    report = http.get(f"/tracking/2024-04/imports/{import_id}", headers=headers).json()["data"]["import"]
    assert report["status"] == "completed" and report["counts"] == {"created": 1, "unknown_courier": 1}
    created, refused = report["rows"]
    assert refused["row"] == 3 and refused["suggestions"][0] == "royal-mail"
    tracking = client.tracking.get_tracking_by_id(created["tracking_id"])
    assert (tracking.slug, tracking.title, tracking.custom_fields) == ("hermes", "Café ☕", {"channel": "web"})

    export = http.get("/tracking/2024-04/trackings/export", params={"keyword": good}, headers=headers)
    assert export.status_code == 200 and export.headers["content-type"] == "text/csv; charset=utf-8"
    (row,) = csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
    assert (row["tracking_number"], row["courier"], row["title"], row["custom_fields.channel"]) == (good, "hermes", "Café ☕", "web")


def test_a_file_dropped_in_the_local_bucket_is_imported(http, stack, new_number):
    number = new_number()
    stack.client("s3").put_object(Bucket=stack.buckets["ImportBucket"], Key=f"incoming/{number}.csv",
                                  Body=f"tracking_number,courier\n{number},hermes\n".encode())
    assert _work_off_the_import_queue(stack) == 1
    imports = http.get("/tracking/2024-04/imports", headers={"as-api-key": stack.api_key}).json()["data"]["imports"]
    mine = [summary for summary in imports if summary["object_key"] == f"incoming/{number}.csv"]
    assert mine and mine[0]["source"] == "bucket" and mine[0]["counts"] == {"created": 1}


def test_bad_uploads_get_a_clear_4xx(http, stack):
    headers = {"as-api-key": stack.api_key, "content-type": "text/csv"}
    empty = http.post("/tracking/2024-04/imports", content=b"", headers=headers)
    assert empty.status_code == 400 and "The file is empty" in empty.json()["meta"]["message"]
    binary = http.post("/tracking/2024-04/imports", content=b"PK\x03\x04" + bytes(range(256)) * 4, headers=headers)
    assert binary.status_code == 400 and "Excel workbook" in binary.json()["meta"]["message"]
    # 100 MB: API Gateway's own limit (10 MB) answers before any function runs.
    huge = http.post("/tracking/2024-04/imports", content=b"x" * (100 * 1024 * 1024), headers=headers, timeout=60)
    assert huge.status_code == 413
    over_a_megabyte = http.post("/tracking/2024-04/imports", content=b"tracking_number\n" + b"TL0000000001\n" * 90_000, headers=headers)
    assert over_a_megabyte.status_code == 413 and json.loads(over_a_megabyte.content)["meta"]["code"] == 413
