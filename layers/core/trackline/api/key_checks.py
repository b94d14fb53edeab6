"""The guard's checks of a request's API key: the authorizer's verdict, the signature of a key
that signs its requests, the key's rate limit, and the X-RateLimit-* headers of every answer."""

from typing import Any

from aws_lambda_powertools import Logger

from trackline.clock import utc_now
from trackline.errors import InvalidSignature, TooManyRequests, TracklineError, Unauthorized
from trackline.models.authorization import AuthorizerVerdict, MalformedVerdict, RateLimitStatus
from trackline.settings import get_settings

logger = Logger(child=True)


def read_verdict(event: dict[str, Any]) -> AuthorizerVerdict:
    """The authorizer's verdict; none, or a malformed one, is "not authenticated" (fail closed)."""
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return AuthorizerVerdict.from_context(context if isinstance(context, dict) else {})
    except MalformedVerdict:
        return AuthorizerVerdict()


def refusal(event: dict[str, Any], verdict: AuthorizerVerdict) -> TracklineError | None:
    """Why this request is refused (401 or 429), or None."""
    if not verdict.authenticated:
        return InvalidSignature(verdict.refusal) if verdict.refusal else Unauthorized()
    if verdict.signature is not None:
        refused = _signature_refusal(event, verdict)
        if refused is not None:
            return refused
    if verdict.rate_limited:
        return TooManyRequests(verdict.rate_limit or get_settings().rate_limit_per_second)
    return None


def rate_limit_headers(verdict: AuthorizerVerdict) -> dict[str, str]:
    """The key's window as the authorizer counted it; a request that counted against no key (a
    public document, a refused key) shows the whole allowance of the current second."""
    now = int(utc_now().timestamp())
    status = verdict.rate_limit_status()
    if status is None:
        limit = get_settings().rate_limit_per_second
        status = RateLimitStatus(limit=limit, remaining=limit, reset=now + 1)
    headers = status.headers()
    if status.limited:
        headers["Retry-After"] = str(max(1, status.reset - now))
    return headers


def with_headers(result: Any, headers: dict[str, str]) -> Any:
    if isinstance(result, dict):
        result["headers"] = {**(result.get("headers") or {}), **headers}
    return result


def _signature_refusal(event: dict[str, Any], verdict: AuthorizerVerdict) -> TracklineError | None:
    # Imported here: only keys that sign their requests need them.
    from botocore.exceptions import BotoCoreError, ClientError

    from trackline.api.errors import InternalError, ServiceUnavailable
    from trackline.outbound.api_key_credentials import CredentialUnavailable, load_credential
    from trackline.services.request_signatures import verify
    from trackline.signatures.sign_string import ReceivedRequest

    if not verdict.credential:
        return InvalidSignature("This API key has no signing credential.")
    try:
        credential = load_credential(verdict.credential)
    except CredentialUnavailable:
        return InvalidSignature("This API key's signing credential is unavailable.")
    except BotoCoreError as error:
        logger.warning("signing credential unreachable", extra={"error_type": type(error).__name__})
        return ServiceUnavailable()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        logger.error("signing credential unreadable", extra={"error_code": code})
        return ServiceUnavailable() if "Throttl" in code else InternalError()
    if credential.scheme != verdict.signature:
        return InvalidSignature("This API key's signing credential does not match its scheme.")
    try:
        verify(ReceivedRequest.from_event(event), credential, utc_now())
    except InvalidSignature as refused:
        return refused
    except ValueError:  # a body that is not base64, a stored public key that no longer parses
        return InvalidSignature()
    return None
