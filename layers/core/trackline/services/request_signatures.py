"""Verifying signed requests (as-signature-hmac-sha256, as-signature-rsa-sha256).

A key with a signing credential must sign every request. The authorizer cannot see the body, so
it only pre-checks what it can (the signature header and a fresh date, see `precheck`) and says
in its verdict which scheme the key requires; the API function verifies the signature over the
raw request before routing (trackline.api.guard), with the credential the verdict refers to.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from trackline.errors import InvalidSignature
from trackline.models.api_key import ApiKeyCredential
from trackline.models.authorization import SIGNATURE_HEADERS, SignatureScheme
from trackline.signatures.sign_string import ReceivedRequest, sign_strings

# The contract: a signature is valid within 3 minutes either side of its date header.
MAX_CLOCK_SKEW = timedelta(minutes=3)
_MAX_SIGNATURE_LENGTH = 4096  # base64 of an 8192-bit RSA signature is 1,368 characters


def precheck(headers: Mapping[str, str], scheme: SignatureScheme, now: datetime) -> InvalidSignature | None:
    """What is wrong with the request's signature headers, before the signature is computed."""
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    header = SIGNATURE_HEADERS[scheme]
    if not lowered.get(header, "").strip():
        return InvalidSignature(f"This API key signs its requests: the {header} header is required.")
    signed_at = _date(lowered.get("date", ""))
    if signed_at is None:
        return InvalidSignature("A signed request needs a date header (RFC 1123, e.g. Mon, 01 Apr 2024 00:00:00 GMT).")
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        return InvalidSignature("The date header of the signed request is more than 3 minutes away from the server's time.")
    return None


def verify(request: ReceivedRequest, credential: ApiKeyCredential, now: datetime) -> None:
    """Raise InvalidSignature unless the request carries a fresh signature by this credential."""
    refused = precheck(request.headers, credential.scheme, now)
    if refused is not None:
        raise refused
    signature = _decoded(request.headers[SIGNATURE_HEADERS[credential.scheme]].strip())
    candidates = [text.encode() for text in sign_strings(request)]
    if signature is None or not any(_CHECKS[credential.scheme](credential, text, signature) for text in candidates):
        raise InvalidSignature("The request signature does not match the request.")


def _hmac_matches(credential: ApiKeyCredential, sign_string: bytes, signature: bytes) -> bool:
    secret = credential.secret.get_secret_value().encode()  # type: ignore[union-attr]
    return hmac.compare_digest(hmac.new(secret, sign_string, hashlib.sha256).digest(), signature)


def _rsa_matches(credential: ApiKeyCredential, sign_string: bytes, signature: bytes) -> bool:
    from trackline.signatures.rsa_pss import load_public_key, verify_pss_sha256

    return verify_pss_sha256(load_public_key(credential.public_key or ""), sign_string, signature)


_CHECKS = {"aes": _hmac_matches, "rsa": _rsa_matches}


def _decoded(signature: str) -> bytes | None:
    if len(signature) > _MAX_SIGNATURE_LENGTH:
        return None
    try:
        return base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None


def _date(value: str) -> datetime | None:
    try:
        signed_at = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return signed_at if signed_at.tzinfo is not None else None
