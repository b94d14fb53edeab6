"""Signed requests end to end: the official SDK with authentication_type AES and RSA against the
local stack, and wrong, missing, stale or tampered signatures refused with 401 in the envelope."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import tracking
from tracking.auth import Authenticator
from tracking.exceptions import UnauthorizedError

# The SDK stamps its date header with datetime.utcnow(), which Python 3.13 deprecates.
pytestmark = [pytest.mark.api, pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")]

TRACKINGS = "/tracking/2024-04/trackings"


@pytest.fixture(scope="module")
def aes_key(stack):
    from trackline.services.api_keys import ApiKeyService

    issued = ApiKeyService().register("api-test-aes", aes_secret=True)
    assert issued.signature == "aes" and issued.secret and issued.credential_arn
    return issued


@pytest.fixture(scope="module")
def rsa_private_key():
    from Crypto.PublicKey import RSA  # pycryptodome: what the SDK itself signs with

    return RSA.generate(2048)


@pytest.fixture(scope="module")
def rsa_key(stack, rsa_private_key):
    from trackline.services.api_keys import ApiKeyService

    public_pem = rsa_private_key.publickey().export_key().decode()
    issued = ApiKeyService().register("api-test-rsa", rsa_public_key=public_pem)
    assert issued.signature == "rsa" and issued.secret is None
    return issued


def signing_client(stack, kind: str, api_key: str, api_secret: str) -> tracking.Client:
    configuration = tracking.Configuration(
        domain=stack.base_url, authentication_type=kind, api_key=api_key, api_secret=api_secret, max_retry=0
    )
    assert configuration.domain.startswith("http://127.0.0.1:") and configuration.proxy is None
    return tracking.Client(configuration)


def exercise(client: tracking.Client, number: str) -> None:
    """Every kind of request the SDK signs differently: bodies, no body, queries, both functions."""
    created = client.tracking.create_tracking({"tracking_number": number, "title": "signed", "order_id": "A-1"})
    assert client.tracking.get_tracking_by_id(created.id).title == "signed"
    by_number = client.tracking.get_tracking_by_slug_tracking_number(created.slug, number, fields="title,order_id")
    assert by_number.id == created.id
    # several query parameters, which the SDK sends (and signs) in a random order
    listed = client.tracking.get_trackings(keyword=number, limit=10, page=1, fields="title")
    assert [t.id for t in listed.trackings] == [created.id]
    assert client.tracking.update_tracking_by_id(created.id, {"title": "re-signed"}).title == "re-signed"
    client.notification.add_notification_by_tracking_id(created.id, {"emails": ["signed@example.com"]})
    assert client.last_checkpoint.get_checkpoint_by_tracking_id(created.id).id == created.id
    assert client.courier.detect_courier({"tracking_number": "1Z5R89390357567127"}).total >= 1
    assert client.courier.get_user_couriers() is not None
    completed = client.tracking.mark_tracking_completed_by_id(created.id, {"reason": "DELIVERED"})
    assert completed.tag.value == "Delivered"
    assert client.tracking.delete_tracking_by_id(created.id).id == created.id


def test_the_sdk_signing_with_aes_works_end_to_end(stack, aes_key, new_number):
    exercise(signing_client(stack, tracking.Aes, aes_key.plaintext, aes_key.secret), new_number())


def test_the_sdk_signing_with_rsa_works_end_to_end(stack, rsa_key, rsa_private_key, new_number):
    private_pem = rsa_private_key.export_key().decode()
    exercise(signing_client(stack, tracking.Rsa, rsa_key.plaintext, private_pem), new_number())


def test_a_body_less_post_is_signed_without_md5_or_content_type(stack, aes_key, new_number):
    client = signing_client(stack, tracking.Aes, aes_key.plaintext, aes_key.secret)
    created = client.tracking.create_tracking({"tracking_number": new_number()})
    client.tracking.mark_tracking_completed_by_id(created.id, {"reason": "LOST"})
    assert client.tracking.retrack_tracking_by_id(created.id).active is True  # POST, no body


def test_a_key_that_signs_refuses_unsigned_and_wrongly_signed_requests(stack, aes_key, rsa_key, rsa_private_key, new_number):
    from Crypto.PublicKey import RSA

    other_rsa = RSA.generate(2048).export_key().decode()
    intruders = [
        signing_client(stack, tracking.ApiKey, aes_key.plaintext, ""),  # the key alone
        signing_client(stack, tracking.Aes, aes_key.plaintext, "tls_a-secret-that-is-not-the-keys"),
        signing_client(stack, tracking.Rsa, aes_key.plaintext, rsa_private_key.export_key().decode()),  # wrong scheme
        signing_client(stack, tracking.ApiKey, rsa_key.plaintext, ""),
        signing_client(stack, tracking.Rsa, rsa_key.plaintext, other_rsa),  # another private key
        signing_client(stack, tracking.Aes, rsa_key.plaintext, "tls_an-hmac-for-an-rsa-key"),
    ]
    for intruder in intruders:
        for call in (lambda: intruder.tracking.get_trackings(),
                     lambda: intruder.tracking.create_tracking({"tracking_number": new_number()}),
                     lambda: intruder.courier.detect_courier({"tracking_number": "1Z5R89390357567127"})):
            with pytest.raises(UnauthorizedError) as excinfo:
                call()
            assert (excinfo.value.status_code, excinfo.value.meta_code) == (401, 401)
            assert json.loads(excinfo.value.response_body)["meta"]["type"] == "Unauthorized"


def test_keys_without_a_secret_keep_working_with_the_key_alone(client, new_number):
    assert client.tracking.create_tracking({"tracking_number": new_number()}).id


# -- the signature by hand: the window of the date header, tampering ----------------------------


def signed_headers(key, secret: str, method: str, uri: str, body: str | None, date: datetime, **extra: str) -> dict:
    headers = {"as-api-key": key, "date": date.strftime("%a, %d %b %Y %H:%M:%S GMT"), **extra}
    sign_string = Authenticator.sign_str(
        method, body, headers["date"], Authenticator.canonical_header(headers), Authenticator.canonical_resource(uri)
    )
    headers["as-signature-hmac-sha256"] = Authenticator.hmac_signature(sign_string, secret)
    if body:
        headers["content-type"] = "application/json"
    return headers


def assert_signature_refused(reply) -> None:
    assert reply.status_code == 401, reply.text
    body = reply.json()
    assert body["data"] == {} and body["meta"]["code"] == 401 and body["meta"]["type"] == "Unauthorized"
    assert body["meta"]["message"]


def test_the_date_may_be_up_to_three_minutes_off_either_way(http, aes_key):
    now = datetime.now(UTC)
    uri = f"{TRACKINGS}?limit=5&page=1"
    for skew in (timedelta(minutes=2, seconds=40), -timedelta(minutes=2, seconds=40)):
        headers = signed_headers(aes_key.plaintext, aes_key.secret, "GET", uri, None, now + skew)
        reply = http.get(uri, headers=headers)
        assert reply.status_code == 200, (skew, reply.text)
    for skew in (timedelta(minutes=3, seconds=20), -timedelta(minutes=3, seconds=20), timedelta(days=1)):
        headers = signed_headers(aes_key.plaintext, aes_key.secret, "GET", uri, None, now + skew)
        assert_signature_refused(http.get(uri, headers=headers))
    assert "3 minutes" in http.get(uri, headers=signed_headers(
        aes_key.plaintext, aes_key.secret, "GET", uri, None, now - timedelta(minutes=10))).json()["meta"]["message"]


def test_a_missing_date_or_signature_is_refused(http, aes_key):
    headers = signed_headers(aes_key.plaintext, aes_key.secret, "GET", TRACKINGS, None, datetime.now(UTC))
    for missing in ("date", "as-signature-hmac-sha256"):
        partial = {name: value for name, value in headers.items() if name != missing}
        reply = http.get(TRACKINGS, headers=partial)
        assert_signature_refused(reply)
        assert missing in reply.json()["meta"]["message"]
    assert http.get(TRACKINGS, headers=headers).status_code == 200


def test_a_signature_covers_body_path_query_method_and_as_headers(http, aes_key, new_number):
    now = datetime.now(UTC)
    body = json.dumps({"tracking": {"tracking_number": new_number()}})
    headers = signed_headers(aes_key.plaintext, aes_key.secret, "POST", TRACKINGS, body, now)
    tampered = body.replace('"}}', '0"}}')
    assert_signature_refused(http.post(TRACKINGS, content=tampered, headers=headers))  # another body
    assert_signature_refused(http.post(f"{TRACKINGS}?x=1", content=body, headers=headers))  # another query
    assert_signature_refused(http.put(TRACKINGS, content=body, headers=headers))  # another method
    assert_signature_refused(http.post(TRACKINGS, content=body, headers={**headers, "as-store-id": "7"}))
    assert http.post(TRACKINGS, content=body, headers=headers).status_code == 201  # the signed request

    with_store = signed_headers(aes_key.plaintext, aes_key.secret, "GET", TRACKINGS, None, now, **{"as-store-id": "7"})
    assert http.get(TRACKINGS, headers=with_store).status_code == 200  # extra as-* headers are signed too
    assert_signature_refused(http.get(TRACKINGS, headers={**with_store, "as-store-id": "8"}))


def test_the_query_is_verified_as_received_or_sorted(http, aes_key):
    now = datetime.now(UTC)
    received = f"{TRACKINGS}?page=1&limit=5"
    signed_sorted = signed_headers(aes_key.plaintext, aes_key.secret, "GET", f"{TRACKINGS}?limit=5&page=1", None, now)
    assert http.get(received, headers=signed_sorted).status_code == 200  # the docs' sorted form
    as_sent = signed_headers(aes_key.plaintext, aes_key.secret, "GET", received, None, now)
    assert http.get(received, headers=as_sent).status_code == 200  # what SDK 2.0.2 signs


def test_a_malformed_signature_is_a_401_not_an_error(http, aes_key):
    headers = signed_headers(aes_key.plaintext, aes_key.secret, "GET", TRACKINGS, None, datetime.now(UTC))
    for garbage in ("not base64 !", "A" * 5000, base64.b64encode(b"short").decode(), "=="):
        assert_signature_refused(http.get(TRACKINGS, headers={**headers, "as-signature-hmac-sha256": garbage}))
    digest = hmac.new(b"wrong", b"x", hashlib.sha256).digest()
    assert_signature_refused(http.get(TRACKINGS, headers={**headers, "as-signature-hmac-sha256": base64.b64encode(digest).decode()}))
