"""What the authorizer tells the API functions about a request, and the signing credentials of
API keys.

The authorizer's verdict travels in the request context (API Gateway passes it on unchanged);
it names a key's signing credential by reference only, never the secret itself.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, model_validator

SignatureScheme = Literal["aes", "rsa"]

# The contract's header for each scheme.
SIGNATURE_HEADERS: dict[str, str] = {"aes": "as-signature-hmac-sha256", "rsa": "as-signature-rsa-sha256"}


class RateLimitStatus(BaseModel):
    """One API key's use of its current one-second window."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    limit: int = Field(ge=1)
    remaining: int = Field(ge=0)
    reset: int  # epoch seconds at which the window ends
    limited: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class AuthorizerVerdict(BaseModel):
    """The authorizer's context. Anything missing or malformed reads as "not authenticated"."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="ignore")

    authenticated: StrictBool = False  # exactly true: nothing else authenticates
    key_id: str | None = None
    key_name: str | None = None
    signature: SignatureScheme | None = None
    credential: str | None = None  # the Secrets Manager ARN of the key's secret or public key
    rate_limit: int | None = Field(default=None, ge=1)
    rate_remaining: int | None = Field(default=None, ge=0)
    rate_reset: int | None = None
    rate_limited: bool = False
    refusal: str | None = Field(default=None, max_length=300)  # why a signed request was refused

    def rate_limit_status(self) -> RateLimitStatus | None:
        if self.rate_limit is None or self.rate_remaining is None or self.rate_reset is None:
            return None
        return RateLimitStatus(
            limit=self.rate_limit, remaining=self.rate_remaining, reset=self.rate_reset, limited=self.rate_limited
        )

    def context(self) -> dict:
        """As the authorizer returns it: API Gateway contexts hold no nulls."""
        return self.model_dump(exclude_none=True)


class ApiKeyCredential(BaseModel):
    """The secret value stored in Secrets Manager for a key that signs its requests."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    scheme: SignatureScheme
    secret: SecretStr | None = Field(default=None, min_length=16, max_length=512)
    public_key: str | None = Field(default=None, max_length=16_384)

    @model_validator(mode="after")
    def _has_what_its_scheme_needs(self) -> "ApiKeyCredential":
        if self.scheme == "aes" and self.secret is None:
            raise ValueError("an AES credential needs its secret")
        if self.scheme == "rsa" and not self.public_key:
            raise ValueError("an RSA credential needs its public key")
        return self

    def stored_value(self) -> str:
        import json

        value = {"scheme": self.scheme}
        if self.secret is not None:
            value["secret"] = self.secret.get_secret_value()
        if self.public_key is not None:
            value["public_key"] = self.public_key
        return json.dumps(value)
