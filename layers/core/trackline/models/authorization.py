"""What the authorizer tells the API functions about a request.

The verdict travels in the request context (API Gateway passes it on unchanged); it names a key's
signing credential by reference only, never the secret itself.

Plain classes with explicit checks rather than pydantic models (or dataclasses, whose creation
costs milliseconds too): every API request reads a verdict first, on every cold start.
"""

from typing import Any, Literal

SignatureScheme = Literal["aes", "rsa"]
SIGNATURE_SCHEMES = ("aes", "rsa")

# The contract's header for each scheme.
SIGNATURE_HEADERS: dict[str, str] = {"aes": "as-signature-hmac-sha256", "rsa": "as-signature-rsa-sha256"}


class MalformedVerdict(ValueError):
    pass


class RateLimitStatus:
    """One API key's use of its current one-second window."""

    __slots__ = ("limit", "remaining", "reset", "limited")

    def __init__(self, limit: int, remaining: int, reset: int, limited: bool = False) -> None:
        self.limit = limit
        self.remaining = remaining
        self.reset = reset  # epoch seconds at which the window ends
        self.limited = limited

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }

    def __repr__(self) -> str:
        return f"RateLimitStatus(limit={self.limit}, remaining={self.remaining}, reset={self.reset}, limited={self.limited})"


class AuthorizerVerdict:
    """The authorizer's context. Anything missing or malformed reads as "not authenticated"."""

    __slots__ = (
        "authenticated",
        "key_id",
        "key_name",
        "signature",  # the scheme the key signs with: "aes", "rsa" or None
        "credential",  # the Secrets Manager ARN of the key's secret or public key
        "rate_limit",
        "rate_remaining",
        "rate_reset",
        "rate_limited",
        "refusal",  # why a signed request was refused before it was counted
    )

    def __init__(
        self,
        authenticated: bool = False,
        key_id: str | None = None,
        key_name: str | None = None,
        signature: SignatureScheme | None = None,
        credential: str | None = None,
        rate_limit: int | None = None,
        rate_remaining: int | None = None,
        rate_reset: int | None = None,
        rate_limited: bool = False,
        refusal: str | None = None,
    ) -> None:
        self.authenticated = authenticated
        self.key_id = key_id
        self.key_name = key_name
        self.signature = signature
        self.credential = credential
        self.rate_limit = rate_limit
        self.rate_remaining = rate_remaining
        self.rate_reset = rate_reset
        self.rate_limited = rate_limited
        self.refusal = refusal

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> "AuthorizerVerdict":
        """Read a context; raises MalformedVerdict for anything the authorizer would not write."""
        if context.get("signature") not in (None, *SIGNATURE_SCHEMES):
            raise MalformedVerdict("signature")
        return cls(
            authenticated=context.get("authenticated") is True,  # exactly true: nothing else authenticates
            key_id=_text(context, "key_id"),
            key_name=_text(context, "key_name"),
            signature=context.get("signature"),
            credential=_text(context, "credential"),
            rate_limit=_count(context, "rate_limit", minimum=1),
            rate_remaining=_count(context, "rate_remaining", minimum=0),
            rate_reset=_count(context, "rate_reset", minimum=0),
            rate_limited=context.get("rate_limited") in (True, "true"),
            refusal=_text(context, "refusal"),
        )

    def rate_limit_status(self) -> RateLimitStatus | None:
        if self.rate_limit is None or self.rate_remaining is None or self.rate_reset is None:
            return None
        return RateLimitStatus(self.rate_limit, self.rate_remaining, self.rate_reset, self.rate_limited)

    def context(self) -> dict[str, Any]:
        """As the authorizer returns it: API Gateway contexts hold no nulls."""
        values = {name: getattr(self, name) for name in self.__slots__}
        return {name: value for name, value in values.items() if value is not None}


def _text(context: dict[str, Any], name: str) -> str | None:
    value = context.get(name)
    if value is None or (isinstance(value, str) and len(value) <= 2048):
        return value
    raise MalformedVerdict(name)


def _count(context: dict[str, Any], name: str, *, minimum: int) -> int | None:
    value = context.get(name)
    if value is None:
        return None
    try:
        number = int(value)  # REST-style contexts hold strings: "10" reads as 10
    except (TypeError, ValueError):
        raise MalformedVerdict(name) from None
    if isinstance(value, bool) or isinstance(value, float) and value != number or number < minimum:
        raise MalformedVerdict(name)
    return number
