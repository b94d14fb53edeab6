"""API keys: a name per integration; only the SHA-256 of the key is ever stored."""

from pydantic import BaseModel, ConfigDict, Field

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
