"""The authorizer (keys, signing schemes, the rate counter in the table) and the API functions'
guard that answers its verdicts, against moto."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import PROJECT_ROOT, TABLE_NAME
from tests.support.handlers import ApiClient, LambdaContext, load_handler
from trackline.repository.rate_limits import RateLimitRepository
from trackline.services.api_keys import ApiKeyService
from trackline.services.rate_limiting import RateLimiter
from trackline.signatures.sign_string import ReceivedRequest, sign_strings

NOW = datetime(2024, 4, 1, 12, 0, 0, 250_000, tzinfo=UTC)
DATE = "Mon, 01 Apr 2024 12:00:00 GMT"


def authorize(headers: dict) -> dict:
    event = json.loads((PROJECT_ROOT / "events/authorizer/request_with_api_key.json").read_text())
    event["headers"] = {"host": "example", **headers}
    result = load_handler("authorizer", "authorizer_handler")(event, LambdaContext())
    assert result["isAuthorized"] is True
    assert all(value is not None for value in result["context"].values())
    return result["context"]


def counter_items() -> list[dict]:
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
    return [item for item in items if item["pk"]["S"].startswith("RATELIMIT#")]


def test_a_known_key_is_counted_in_the_table_with_a_ttl(table):
    key = ApiKeyService().register("shop").plaintext
    contexts = [authorize({"as-api-key": key}) for _ in range(3)]
    assert all(context["authenticated"] is True and context["key_name"] == "shop" for context in contexts)
    assert "signature" not in contexts[0] and "credential" not in contexts[0]
    assert {context["rate_limit"] for context in contexts} == {10}
    items = counter_items()
    assert sum(int(item["used"]["N"]) for item in items) == 3
    assert all(int(item["expire_at"]["N"]) > int(item["sk"]["S"].removeprefix("SECOND#")) for item in items)


def test_unknown_and_missing_keys_are_not_counted(table):
    for headers in ({}, {"as-api-key": "tl_never-issued-0123456789abcdef"}):
        context = authorize(headers)
        assert context["authenticated"] is False and context["rate_remaining"] == context["rate_limit"] == 10
    assert counter_items() == []


def test_the_window_admits_exactly_the_limit_however_many_instances_count(table):
    # Twelve authorizer instances, each with its own limiter and DynamoDB client, taking turns:
    # they share nothing but the table. (That concurrent writers cannot overshoot is DynamoDB's
    # guarantee for one conditional UpdateItem, which in-process moto does not model.)
    instances = [RateLimiter(RateLimitRepository(TABLE_NAME, client=boto3.client("dynamodb")), limit=10) for _ in range(12)]
    admitted = [instance.admit("key1", NOW) for _ in range(2) for instance in instances]
    passed = [status for status in admitted if not status.limited]
    assert [status.remaining for status in passed] == list(range(9, -1, -1))
    assert all(status.limited and status.remaining == 0 for status in admitted[10:])
    assert {status.reset for status in admitted} == {int(NOW.timestamp()) + 1}
    assert [int(item["used"]["N"]) for item in counter_items()] == [10], "refused requests are not counted"
    assert RateLimiter(limit=10).admit("key1", NOW.replace(second=1)).remaining == 9, "a new second, a new window"
    assert RateLimiter(limit=10).admit("key2", NOW).remaining == 9, "another key, its own window"


def test_a_counter_that_cannot_be_written_lets_the_request_through(table, monkeypatch):
    def throttled(*_, **__):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem")

    monkeypatch.setattr(RateLimitRepository, "take", throttled)
    status = RateLimiter(limit=10).admit("key1", NOW)
    assert (status.limited, status.remaining) == (False, 10)


# -- the guard ------------------------------------------------------------------------------------


def verdict(**fields) -> dict:
    return {"authenticated": True, "key_id": "k", "key_name": "n", "rate_limit": 10, "rate_remaining": 4,
            "rate_reset": 1_711_972_801, **fields}


def test_the_guard_answers_a_limited_key_with_429_and_every_answer_has_the_headers(table):
    limited = ApiClient(authorizer=verdict(rate_limited=True, rate_remaining=0)).get("/trackings")
    assert (limited.status, limited.code, limited.body["meta"]["type"], limited.data) == (429, 429, "TooManyRequests", {})
    assert limited.headers["X-RateLimit-Remaining"] == "0" and int(limited.headers["Retry-After"]) >= 1
    for reply in (
        ApiClient(authorizer=verdict()).get("/trackings"),
        ApiClient(authorizer=verdict()).get("/trackings/zzzzzzzzzzzzzzzzzzzzzzzz"),
        ApiClient(authorizer=verdict(), function="couriers_api").get("/couriers/all"),
    ):
        assert {name: reply.headers[name] for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")} == {
            "X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset": "1711972801"}
        assert "Retry-After" not in reply.headers
    for context in (None, {"authenticated": False}, {"authenticated": True, "rate_limit": "many"}):
        refused = ApiClient(authorizer=context).get("/trackings")
        assert (refused.status, refused.code) == (401, 401) and refused.headers["X-RateLimit-Limit"] == "10"


@pytest.fixture
def aes_key(table):
    return ApiKeyService().register("signer", aes_secret="an-aes-secret-for-tests")


def signed_event_headers(method: str, path: str, body: str, secret: str, key: str) -> dict:
    headers = {"as-api-key": key, "date": DATE, "content-type": "application/json"}
    request = ReceivedRequest(method=method, raw_path=f"/tracking/2024-04{path}", headers=headers, body=body.encode())
    digest = hmac.new(secret.encode(), sign_strings(request)[0].encode(), hashlib.sha256).digest()
    return {**headers, "as-signature-hmac-sha256": base64.b64encode(digest).decode()}


def test_a_signing_key_is_named_by_reference_and_verified_by_the_guard(aes_key, monkeypatch):
    import trackline.api.key_checks as key_checks
    import trackline.services.authorization as authorization

    monkeypatch.setattr(key_checks, "utc_now", lambda: NOW)
    monkeypatch.setattr(authorization, "utc_now", lambda: NOW)
    headers = signed_event_headers("POST", "/trackings", '{"tracking": {"tracking_number": "TL123456789"}}', aes_key.secret, aes_key.plaintext)
    context = authorize({**headers})
    assert context["signature"] == "aes" and context["credential"] == aes_key.credential_arn
    assert aes_key.secret not in json.dumps(context), "the secret itself never travels"

    api = ApiClient(authorizer=context)
    body = '{"tracking": {"tracking_number": "TL123456789"}}'
    assert api.post("/trackings", body, headers=headers).status == 201
    wrong = api.post("/trackings", body.replace("TL1", "TL2"), headers=headers)
    assert (wrong.status, wrong.code, wrong.body["meta"]["type"]) == (401, 401, "Unauthorized")


def test_the_authorizer_refuses_unsigned_requests_of_a_signing_key_before_counting(aes_key, monkeypatch):
    import trackline.services.authorization as authorization

    monkeypatch.setattr(authorization, "utc_now", lambda: NOW)
    context = authorize({"as-api-key": aes_key.plaintext})
    assert context["authenticated"] is False and "as-signature-hmac-sha256" in context["refusal"]
    assert counter_items() == []
    refused = ApiClient(authorizer=context).get("/trackings")
    assert (refused.status, refused.body["meta"]["message"]) == (401, context["refusal"])


def test_a_credential_that_is_gone_or_unreachable_refuses_or_fails_safely(aes_key, monkeypatch):
    import trackline.api.key_checks as key_checks
    import trackline.outbound.api_key_credentials as credentials

    monkeypatch.setattr(key_checks, "utc_now", lambda: NOW)
    headers = signed_event_headers("GET", "/trackings", "", aes_key.secret, aes_key.plaintext)
    context = verdict(signature="aes", credential=aes_key.credential_arn)
    credentials._cache.clear()
    boto3.client("secretsmanager").delete_secret(SecretId=aes_key.credential_arn, ForceDeleteWithoutRecovery=True)
    gone = ApiClient(authorizer=context).get("/trackings", headers=headers)
    assert (gone.status, gone.code) == (401, 401)

    def throttled(*_, **__):
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "GetSecretValue")

    monkeypatch.setattr(credentials, "load_credential", throttled)
    busy = ApiClient(authorizer=context).get("/trackings", headers=headers)
    assert (busy.status, busy.code) == (503, 503) and busy.headers["X-RateLimit-Limit"] == "10"
    no_reference = ApiClient(authorizer=verdict(signature="aes")).get("/trackings", headers=headers)
    assert no_reference.status == 401


def test_a_revoked_signing_key_loses_its_credential(aes_key):
    ApiKeyService().revoke("signer")
    described = boto3.client("secretsmanager").describe_secret(SecretId=aes_key.credential_arn)
    assert "DeletedDate" in described
    assert authorize({"as-api-key": aes_key.plaintext})["authenticated"] is False


def test_registering_a_signing_key_stores_only_a_reference_in_the_table(aes_key):
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
    stored = json.dumps(items)
    assert aes_key.secret not in stored and aes_key.plaintext not in stored
    key_item = next(item for item in items if item["pk"]["S"] == "APIKEYS")
    assert key_item["signature"]["S"] == "aes" and key_item["credential_arn"]["S"] == aes_key.credential_arn
    assert aes_key.credential_arn.split(":secret:")[1].startswith(f"{TABLE_NAME}/api-keys/{aes_key.key_id}")


def test_the_local_stack_key_signs_with_api_secret(table):
    from trackline_local.stack import LocalStack

    local = LocalStack(api_key="tl_local-key-0123456789", api_secret="a-local-api-secret-123")
    local._register_api_key()  # what start() does, against this test's table
    [info] = ApiKeyService().list()
    assert (info.name, info.signature) == ("local", "aes") and info.credential_arn
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=info.credential_arn)["SecretString"])
    assert secret == {"scheme": "aes", "secret": "a-local-api-secret-123"}
    assert authorize({"as-api-key": "tl_local-key-0123456789"})["authenticated"] is False, "unsigned: refused"
