"""The tracking page's links: `<base>/t/<tracking id><secret>`.

The id half lets the page read the tracking with the usual one-query read by id; the secret half
(160+ random bits, stored on the tracking) makes the link unguessable and is compared in constant
time. Standard library only: the trackings API imports this on its cold-start path.
"""

import hmac
import re
import secrets
import string
from contextvars import ContextVar
from typing import Any

PAGE_PATH = "/t/"
SECRET_LENGTH = 32  # characters of [a-z0-9]: about 165 bits
_ALPHABET = string.ascii_lowercase + string.digits
_TOKEN = re.compile(r"([a-z0-9]{24})([a-z0-9]{%d})" % SECRET_LENGTH)
# An API Gateway domain as the request context names it (no scheme, no path).
_API_DOMAIN = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")

# Where no base URL is configured, links name the API the current request came through.
_request_base_url: ContextVar[str | None] = ContextVar("tracking_page_request_base_url", default=None)


def new_secret() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))


def page_url(base_url: str, tracking_id: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}{PAGE_PATH}{tracking_id}{secret}"


def parse_token(token: str | None) -> tuple[str, str] | None:
    """(tracking id, secret) of a well-formed token, else None."""
    match = _TOKEN.fullmatch(token or "")
    return (match[1], match[2]) if match else None


def secret_matches(stored: str | None, given: str) -> bool:
    return stored is not None and hmac.compare_digest(stored.encode(), given.encode())


def give_page_link(record: Any, base_url: str | None) -> bool:
    """Make sure the tracking has its secret and, when a base URL is known, its link (renewed if
    the base changed). True if anything changed."""
    before = (record.tracking_page_secret, record.aftership_tracking_url)
    if record.tracking_page_secret is None:
        record.tracking_page_secret = new_secret()
    if base_url:
        record.aftership_tracking_url = page_url(base_url, record.id, record.tracking_page_secret)
    return (record.tracking_page_secret, record.aftership_tracking_url) != before


# -- the base URL of the current request, for deployments without TRACKING_PAGE_BASE_URL ------


def base_url_of_request(event: dict[str, Any]) -> str | None:
    """https://<the domain the API request came through>: the execute-api domain or a custom
    domain, both of which serve the page too. API Gateway sets it, not the client."""
    domain = ((event or {}).get("requestContext") or {}).get("domainName") or ""
    return f"https://{domain}" if _API_DOMAIN.fullmatch(domain) else None


def request_base_url() -> str | None:
    return _request_base_url.get()


def remembering_request_base_url(handler):
    """Wraps an API handler so that, during each request, request_base_url() names its API."""

    def handle(event: dict[str, Any], context: Any) -> Any:
        token = _request_base_url.set(base_url_of_request(event))
        try:
            return handler(event, context)
        finally:
            _request_base_url.reset(token)

    return handle
