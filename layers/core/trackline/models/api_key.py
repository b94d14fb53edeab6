"""API keys: a name per integration; only the SHA-256 of the key is ever stored."""

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from trackline.models.authorization import SignatureScheme


class ApiKeyInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str = Field(min_length=1, max_length=64)
    created_at: str
    revoked_at: str | None = None
    # A key with a signature scheme must sign every request; its AES secret or RSA public key
    # lives in Secrets Manager under credential_arn, never in the table.
    signature: SignatureScheme | None = None
    credential_arn: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IssuedKey(ApiKeyInfo):
    """Returned once, at creation: the only time the plaintext key exists outside the client."""

    plaintext: str
    # The AES secret of a key issued with one: shown once, like the key.
    secret: str | None = Field(default=None, repr=False)


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

        value: dict[str, str] = {"scheme": self.scheme}
        if self.secret is not None:
            value["secret"] = self.secret.get_secret_value()
        if self.public_key is not None:
            value["public_key"] = self.public_key
        return json.dumps(value)
