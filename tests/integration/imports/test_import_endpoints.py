"""POST /imports and GET /imports/{id} through the real handlers, the worker from the queue, the
bucket-drop path through EventBridge; everything in the in-process moto."""

import random

import boto3
import pytest

from tests.data.imports.generate_bulk import ups
from tests.support.imports import data_file
from trackline.models.imports import ImportStatus

RNG = random.Random(6)
UPS = [ups(RNG) for _ in range(4)]
BAD_UPS = ups(RNG, valid=False)


def every_kind_of_row() -> str:
    return "\n".join([
        "tracking_number,courier,title,email,tracking_postal_code",
        f"{UPS[0]},ups,Order 1,a@shop.example,",  # 2 created
        f"{UPS[0]},UPS,Order 1 again,,",  # 3 duplicate of row 2
        f"{BAD_UPS},ups,Bad check digit,,",  # 4 invalid number
        f"{UPS[1]},Royal Mael 48,Misspelt courier,,",  # 5 unknown courier
        ",ups,No number,,",  # 6 missing tracking number
        "DX12345678,dx,Needs a postcode,,",  # 7 missing courier field
        f"{UPS[2]},ups,Bad email,not-an-email,",  # 8 invalid value
        f"{UPS[3]},Hermes/EVRI,Carrier name,,",  # 9 created (built-in name)
        "",
    ])


def test_an_upload_is_answered_at_once_and_every_row_is_reported(imports):
    reply = imports.upload(every_kind_of_row())
    assert reply.status == 202
    summary = reply.data["import"]
    assert (summary["status"], summary["total_rows"], summary["source"]) == ("queued", 8, "api")
    assert imports.queued() == [{"import_id": summary["id"], "key": f"uploads/{summary['id']}.csv"}]

    assert imports.run_worker() == 1
    report = imports.report(summary["id"])
    assert report["status"] == "completed" and report["processed_rows"] == 8
    assert report["counts"] == {
        "created": 2, "duplicate": 1, "invalid_tracking_number": 1, "unknown_courier": 1,
        "missing_required_field": 2, "invalid_value": 1,
    }
    rows = {row["row"]: row for row in report["rows"]}
    assert [rows[number]["outcome"] for number in range(2, 10)] == [
        "created", "duplicate", "invalid_tracking_number", "unknown_courier",
        "missing_required_field", "missing_required_field", "invalid_value", "created",
    ]
    assert rows[2]["slug"] == "ups" and rows[9]["slug"] == "hermes"
    assert rows[3]["message"] == "Row 2 has the same courier and tracking number; only that row is imported."
    assert rows[4]["meta_code"] == 4005 and "check digit" in rows[4]["message"]
    assert rows[5]["suggestions"][0] == "royal-mail" and "In the courier column" in rows[5]["message"]
    assert rows[6]["meta_code"] == 4007
    assert rows[7]["meta_code"] == 4011 and "tracking_postal_code" in rows[7]["message"]
    assert rows[8]["meta_code"] == 4008 and "(column email)" in rows[8]["message"]

    created = imports.trackings.get(f"/trackings/{rows[2]['tracking_id']}").data["tracking"]
    assert (created["tracking_number"], created["title"], created["emails"], created["source"]) == (UPS[0], "Order 1", ["a@shop.example"], "csv")
    assert imports.tracking_count() == 2

    failed = imports.report(summary["id"], outcome="failed", limit=2, page=2)
    assert failed["rows_count"] == 6 and [row["row"] for row in failed["rows"]] == [5, 6]
    assert imports.api.get("/imports?limit=5").data["imports"][0]["id"] == summary["id"]


def test_the_same_file_again_finds_its_import_and_creates_nothing(imports):
    first = imports.upload(every_kind_of_row())
    imports.run_worker()
    again = imports.upload(every_kind_of_row())
    assert again.status == 202 and again.data["import"]["id"] == first.data["import"]["id"]
    assert again.data["import"]["status"] == "completed"
    assert imports.queued() == [] and imports.tracking_count() == 2


def test_a_retried_import_recognises_the_trackings_it_created(imports):
    """A worker that crashed after writing: SQS delivers the message again."""
    from trackline.repository.imports import ImportRepository

    reply = imports.upload(every_kind_of_row())
    message = imports.queued()[0]
    imports.run_worker()
    repository = ImportRepository("TracklineTable")
    summary = repository.get(reply.data["import"]["id"])
    summary.status = ImportStatus.PROCESSING
    repository.save(summary)
    boto3.client("sqs").send_message(QueueUrl=imports.queue_url, MessageBody=__import__("json").dumps(message))
    imports.run_worker()
    report = imports.report(summary.id)
    assert report["status"] == "completed" and report["counts"]["created"] == 2
    assert imports.tracking_count() == 2


BAD_FILES = {
    "empty.csv": "The file is empty",
    "shipments.xlsx": "Excel workbook",
    "latin1.csv": "Row 3 is not UTF-8",
    "no_header.csv": "not a header row",
    "unknown_columns.csv": 'Column 3 "titel"',
    "wrong_column_count.csv": "Row 3 has 4 cells",
}


def test_a_bad_file_is_refused_at_once_and_nothing_is_stored(imports):
    for name, says in BAD_FILES.items():
        reply = imports.upload(data_file(name))
        assert (reply.status, reply.code, reply.body["meta"]["type"]) == (400, 4008, "BadRequest"), name
        message = reply.body["meta"]["message"]
        assert message.startswith("The value of file is invalid.") and says in message, (name, message)
        assert reply.data == {}, name
    assert imports.queued() == []
    assert imports.api.get("/imports").data == {"total": 0, "imports": []}


def test_only_a_csv_body_is_read(imports):
    assert imports.upload(b"", "text/csv").body["meta"]["message"].endswith("The file is empty. Upload a CSV with a header row and one row per shipment.")
    reply = imports.upload(b'{"tracking": {}}', "application/json")
    assert (reply.status, reply.code) == (400, 4008) and "Content-Type: text/csv" in reply.body["meta"]["message"]


def test_a_body_over_the_limit_is_413(imports):
    reply = imports.upload(b"tracking_number\n" + b"1Z5R89390357567127\n" * 60_000)
    assert (reply.status, reply.code) == (413, 413)


def test_an_unknown_import_is_404(imports):
    for import_id in ("0123456789abcdef01234567", "not-an-id"):
        reply = imports.api.get(f"/imports/{import_id}")
        assert (reply.status, reply.code, reply.body["meta"]["type"]) == (404, 404, "NotFound")


def test_a_bom_crlf_unicode_file_imports_as_written(imports):
    report = imports.import_file(data_file("bom_crlf_unicode.csv"))
    assert report["counts"] == {"created": 3}, report["rows"]
    first, second, third = (imports.trackings.get(f"/trackings/{row['tracking_id']}").data["tracking"] for row in report["rows"])
    assert (first["slug"], first["title"], first["customer_name"]) == ("ups", "Café Crème, 2 × 250 g", "Zoë Ångström")
    assert first["custom_fields"] == {"Gift Message": "Alles Gute 🎉"} and first["destination_country_iso3"] == "DEU"
    assert (second["slug"], second["title"], second["note"]) == ("royal-mail", "東京の注文 #42", "Line one\nline two")
    assert (third["title"], third["customer_name"], third["destination_country_iso3"]) == ('She said "hi"', "Renée O'Connor", "IRL")


def test_a_file_dropped_in_the_bucket_is_imported_once(imports):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=imports.bucket, Key="incoming/orders 2024-04-01.csv", Body=every_kind_of_row().encode())
    (event,) = imports.queued()
    assert (event["source"], event["detail-type"]) == ("aws.s3", "Object Created")
    imports.run_worker()
    (summary,) = imports.api.get("/imports").data["imports"]
    assert (summary["source"], summary["object_key"], summary["status"]) == ("bucket", "incoming/orders 2024-04-01.csv", "completed")
    assert summary["counts"]["created"] == 2

    s3.put_object(Bucket=imports.bucket, Key="incoming/the same file.csv", Body=every_kind_of_row().encode())
    s3.put_object(Bucket=imports.bucket, Key="exports/not an import.csv", Body=b"tracking_number\nTL00000001\n")
    assert imports.run_worker() == 1
    assert imports.api.get("/imports").data["total"] == 1 and imports.tracking_count() == 2


def test_a_gone_file_and_s3_test_events_are_no_failures(imports):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=imports.queue_url, MessageBody='{"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}')
    sqs.send_message(QueueUrl=imports.queue_url, MessageBody='{"import_id": "0123456789abcdef01234567", "key": "uploads/gone.csv"}')
    assert imports.run_worker() == 2  # the worker reports no failure for either
    assert imports.api.get("/imports").data["total"] == 0


def test_a_dropped_file_over_the_size_limit_is_reported_not_read(imports, monkeypatch):
    from tests.conftest import reset_cached_clients

    monkeypatch.setenv("IMPORT_MAX_BYTES", "1024")
    reset_cached_clients()
    boto3.client("s3").put_object(Bucket=imports.bucket, Key="incoming/big.csv", Body=b"tracking_number\n" + b"TL000000000001\n" * 100)
    imports.run_worker()
    (summary,) = imports.api.get("/imports").data["imports"]
    assert summary["status"] == "failed" and summary["file_errors"][0]["code"] == "file_too_large"
    assert "1,516 bytes; at most 1,024" in summary["file_errors"][0]["message"]


def test_an_import_interrupted_by_a_failure_says_so_and_its_retry_completes_it(imports, monkeypatch):
    import json

    from trackline.repository.bulk_trackings import BulkTrackingWriter

    reply = imports.upload(every_kind_of_row())
    message = imports.queued()[0]
    original = BulkTrackingWriter.create_many
    monkeypatch.setattr(BulkTrackingWriter, "create_many", lambda self, records: (_ for _ in ()).throw(RuntimeError("DynamoDB is down")))
    with pytest.raises(AssertionError, match="batchItemFailures"):
        imports.run_worker()
    interrupted = imports.report(reply.data["import"]["id"])
    assert interrupted["status"] == "processing" and "tried again" in interrupted["error"]

    monkeypatch.setattr(BulkTrackingWriter, "create_many", original)
    boto3.client("sqs").purge_queue(QueueUrl=imports.queue_url)
    boto3.client("sqs").send_message(QueueUrl=imports.queue_url, MessageBody=json.dumps(message))
    imports.run_worker()
    done = imports.report(reply.data["import"]["id"])
    assert done["status"] == "completed" and done["error"] is None and done["counts"]["created"] == 2
