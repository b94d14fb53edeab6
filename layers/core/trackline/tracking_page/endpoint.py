"""The page's HTTP answer (API Gateway HTTP API, payload 2.0): the page, 304 for a copy that is
still current, a friendly 404 page for any token that does not open a tracking, and never a
traceback. Caching is short and public (the status changes; the link itself is the secret),
validated by an ETag of the tracking's version, the page's language and its look.
"""

import base64
import hashlib
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError

from trackline.services.tracking_pages import TrackingPageService
from trackline.tracking_page.branding import Branding
from trackline.tracking_page.render import error_html, page_html, stylesheet
from trackline.tracking_page.view import page_view
from trackline.tracking_page.wording import choose_language, wording_for

logger = Logger(child=True)

# Bump when the page's HTML or wording changes, so cached copies are not revalidated as current.
PAGE_REVISION = "1"
PAGE_CACHE = "public, max-age=60"
NO_CACHE = "no-store"
RETRY_AFTER_SECONDS = "5"
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})


@lru_cache(maxsize=1)
def service() -> TrackingPageService:
    return TrackingPageService()


def serve_page(event: dict[str, Any], pages: TrackingPageService | None = None) -> dict[str, Any]:
    pages = pages or service()
    branding = Branding.from_settings(pages.settings)
    request = _Request(event)
    try:
        return _answer(request, pages, branding)
    except Exception as error:  # noqa: BLE001 - the reader gets a page, never a traceback
        return _unavailable(error, request, branding)


def _answer(request: "_Request", pages: TrackingPageService, branding: Branding) -> dict[str, Any]:
    record = pages.tracking_for(request.token)
    if record is None:
        wording = wording_for(request.language())
        page = error_html(wording.labels["not_found_title"], wording.labels["not_found_body"], wording, branding)
        return _response(404, page, wording.language, branding, {"Cache-Control": NO_CACHE})
    language = request.language(record.language)
    etag = _etag(record.version, language, branding)
    cache = {"Cache-Control": PAGE_CACHE, "ETag": etag, "Vary": "Accept-Language"}
    if _matches(request.if_none_match, etag):
        return _response(304, "", language, branding, cache)
    page = page_html(page_view(record), wording_for(language), branding)
    return _response(200, page, language, branding, cache)


class _Request:
    def __init__(self, event: dict[str, Any]) -> None:
        headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
        self.token = (event.get("pathParameters") or {}).get("token")
        self.lang = (event.get("queryStringParameters") or {}).get("lang")
        self.accept_language = headers.get("accept-language")
        self.if_none_match = headers.get("if-none-match")

    def language(self, tracking_language: str | None = None) -> str:
        return choose_language(requested=self.lang, tracking_language=tracking_language, accept_language=self.accept_language)


def _unavailable(error: Exception, request: _Request, branding: Branding) -> dict[str, Any]:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    busy = code in _THROTTLED or isinstance(error, BotoCoreError)  # as the API answers: 503, retry
    # Neither the token nor the error text is logged: the token is the page's secret.
    logger.exception("Tracking page failed", extra={"error_type": type(error).__name__, "error_code": code})
    wording = wording_for(request.language())
    page = error_html(wording.labels["unavailable_title"], wording.labels["unavailable_body"], wording, branding)
    headers = {"Cache-Control": NO_CACHE, "Retry-After": RETRY_AFTER_SECONDS}
    return _response(503 if busy else 500, page, wording.language, branding, headers)


def _etag(version: int, language: str, branding: Branding) -> str:
    look = hashlib.sha256(f"{PAGE_REVISION}|{branding.name}|{branding.color}|{branding.logo_url}".encode()).hexdigest()[:12]
    return f'"{version}-{language}-{look}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    candidates = (candidate.strip() for candidate in (if_none_match or "").split(","))
    return any(candidate == "*" or candidate.removeprefix("W/") == etag for candidate in candidates)


def _content_security_policy(branding: Branding) -> str:
    digest = base64.b64encode(hashlib.sha256(stylesheet(branding).encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src {branding.logo_origin or "'none'"}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _response(status: int, body: str, language: str, branding: Branding, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Language": language,
            "Content-Security-Policy": _content_security_policy(branding),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "X-Robots-Tag": "noindex, nofollow",
            **headers,
        },
        "body": body,
        "isBase64Encoded": False,
    }
