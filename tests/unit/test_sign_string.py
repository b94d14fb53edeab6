"""The SignString of the contract, built from the request as received."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from trackline.errors import InvalidSignature
from trackline.models.api_key import ApiKeyCredential
from trackline.services.request_signatures import precheck, verify
from trackline.signatures.sign_string import ReceivedRequest, canonical_headers, canonical_resources, content_md5, sign_strings

VECTOR_DATE = "Mon, 01 Apr 2024 00:00:00 GMT"
VECTOR_BODY = b'{"tracking": {"tracking_number": "123"}}'
SIGNED_AT = datetime(2024, 4, 1, tzinfo=UTC)


def vector_request(**changes) -> ReceivedRequest:
    fields = {
        "method": "POST",
        "raw_path": "/tracking/2024-04/trackings",
        "raw_query": "b=2&a=1",
        "headers": {"as-api-key": "k1", "date": VECTOR_DATE, "content-type": "application/json"},
        "body": VECTOR_BODY,
    }
    return ReceivedRequest(**{**fields, **changes})


def hmac_b64(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def test_the_contract_test_vector():
    assert content_md5(VECTOR_BODY) == "60D10B6C668ED2AA410AED4E52DE9460"
    first = sign_strings(vector_request())[0]
    assert first == (
        "POST\n60D10B6C668ED2AA410AED4E52DE9460\napplication/json\n" + VECTOR_DATE
        + "\nas-api-key:k1\n/tracking/2024-04/trackings?b=2&a=1"
    )
    assert hmac_b64("secret", first) == "X8xkyYeSBTAwDC24eg8kk4SPxOdZJZYnDPK9gntTNd8="


def test_an_empty_body_has_no_md5_and_no_content_type():
    text = sign_strings(vector_request(method="get", body=b"", raw_query=""))[0]
    assert text.split("\n")[:4] == ["GET", "", "", VECTOR_DATE]


def test_canonical_headers_are_the_as_headers_but_the_signature_lowercased_trimmed_and_sorted():
    headers = {
        "As-Store-Id": "  7 ",
        "as-api-key": "k1",
        "as-signature-hmac-sha256": "sig",
        "as-signature-rsa-sha256": "sig",
        "date": VECTOR_DATE,
        "aftership-client": "sdk",
    }
    assert canonical_headers(headers) == "as-api-key:k1\nas-store-id:7"
    assert canonical_headers({}) == ""


def test_resources_are_the_raw_query_first_then_sorted_and_the_encoded_path():
    assert canonical_resources("/t/a b", "z=1&a=2") == ["/t/a b?z=1&a=2", "/t/a b?a=2&z=1", "/t/a%20b?z=1&a=2", "/t/a%20b?a=2&z=1"]
    assert canonical_resources("/t/x", "") == ["/t/x", "/t/x?"]  # the Go SDK ends every URI with "?"


def test_a_request_from_an_event_reads_base64_bodies_and_lowercases_header_names():
    event = {
        "rawPath": "/p",
        "rawQueryString": "q=1",
        "headers": {"As-Api-Key": "k"},
        "requestContext": {"http": {"method": "PUT"}},
        "body": base64.b64encode(b"\x00bin").decode(),
        "isBase64Encoded": True,
    }
    request = ReceivedRequest.from_event(event)
    assert (request.method, request.raw_path, request.raw_query, request.body) == ("PUT", "/p", "q=1", b"\x00bin")
    assert request.headers == {"as-api-key": "k"}


AES = ApiKeyCredential(scheme="aes", secret="secret-of-16-characters")


def signed(request: ReceivedRequest, secret: str = "secret-of-16-characters", index: int = 0) -> ReceivedRequest:
    signature = hmac_b64(secret, sign_strings(request)[index])
    return request.model_copy(update={"headers": {**request.headers, "as-signature-hmac-sha256": signature}})


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(seconds=180), -timedelta(seconds=180)])
def test_a_signature_within_three_minutes_of_its_date_verifies(skew):
    verify(signed(vector_request()), AES, SIGNED_AT + skew)


@pytest.mark.parametrize("skew", [timedelta(seconds=181), -timedelta(seconds=181), timedelta(days=365)])
def test_a_signature_further_from_its_date_is_stale(skew):
    with pytest.raises(InvalidSignature, match="3 minutes"):
        verify(signed(vector_request()), AES, SIGNED_AT + skew)


def test_any_candidate_form_verifies_and_nothing_else_does():
    request = vector_request()
    verify(signed(request, index=1), AES, SIGNED_AT)  # over the sorted query
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(signed(request, secret="another-secret-of-16"), AES, SIGNED_AT)
    tampered = signed(request).model_copy(update={"body": VECTOR_BODY + b" "})
    with pytest.raises(InvalidSignature):
        verify(tampered, AES, SIGNED_AT)


@pytest.mark.parametrize("date", ["", "yesterday", "Mon, 01 Apr 2024 00:00:00 -0000", "1711929600"])
def test_a_missing_or_unreadable_date_is_refused(date):
    headers = {"as-signature-hmac-sha256": "x", "date": date}
    refused = precheck(headers, "aes", SIGNED_AT)
    assert isinstance(refused, InvalidSignature) and "date header" in refused.message


def test_the_precheck_wants_the_header_of_the_keys_scheme():
    headers = {"as-signature-hmac-sha256": "x", "date": VECTOR_DATE}
    assert precheck(headers, "aes", SIGNED_AT) is None
    assert "as-signature-rsa-sha256" in precheck(headers, "rsa", SIGNED_AT).message
