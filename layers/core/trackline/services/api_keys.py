"""Issuing, checking and revoking API keys."""

import hashlib
import secrets

from trackline.clock import iso_seconds, utc_now
from trackline.models.api_key import ApiKeyInfo, IssuedKey
from trackline.models.api_key import ApiKeyCredential
from trackline.repository.api_keys import ApiKeyRepository
from trackline.settings import get_settings

KEY_PREFIX = "tl_"
SECRET_PREFIX = "tls_"


class ApiKeyNotFound(LookupError):
    pass


def hash_key(plaintext: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is safe; a slow KDF would only add latency.
    return hashlib.sha256(plaintext.encode()).hexdigest()


class ApiKeyService:
    def __init__(self, repository: ApiKeyRepository | None = None) -> None:
        self._repository = repository or ApiKeyRepository(get_settings().table_name)

    def register(
        self,
        name: str,
        plaintext: str | None = None,
        *,
        aes_secret: str | bool | None = None,
        rsa_public_key: str | None = None,
    ) -> IssuedKey:
        """Store a new key under `name`; registering a key that is already stored changes nothing
        but its signing credential, when one is given.

        aes_secret=True generates the key's AES secret (returned once, in `secret`); a string is
        that secret. rsa_public_key (PEM) makes the key sign with RSA instead.
        """
        plaintext = plaintext or KEY_PREFIX + secrets.token_urlsafe(32)
        if len(plaintext) < 16:
            raise ValueError("an API key must have at least 16 characters")
        key_hash = hash_key(plaintext)
        key_id = key_hash[:12]
        credential = _credential(aes_secret, rsa_public_key)
        signing: dict = {}
        if credential is not None:
            from trackline.outbound.api_key_credentials import credential_secret_name, store_credential

            arn = store_credential(credential_secret_name(self._repository.table_name, key_id), credential)
            signing = {"signature": credential.scheme, "credential_arn": arn}
        info = ApiKeyInfo(key_id=key_id, name=name, created_at=iso_seconds(utc_now()), **signing)
        if not self._repository.put_if_absent(key_hash, info):
            if signing:
                self._repository.set_signing(key_hash, signing["signature"], signing["credential_arn"])
            info = self._repository.get(key_hash) or info
        secret = credential.secret.get_secret_value() if credential and credential.secret else None
        return IssuedKey(**info.model_dump(), plaintext=plaintext, secret=secret)

    def authenticate(self, plaintext: str) -> ApiKeyInfo | None:
        """The active key for this plaintext, or None when it is unknown or revoked."""
        if not plaintext or len(plaintext) > 512:
            return None
        info = self._repository.get(hash_key(plaintext))
        return info if info and info.active else None

    def list(self) -> list[ApiKeyInfo]:
        return [info for _, info in self._repository.list()]

    def revoke(self, key_id_or_name: str) -> ApiKeyInfo:
        matches = [
            (key_hash, info)
            for key_hash, info in self._repository.list()
            if key_id_or_name in (info.key_id, info.name) and info.active
        ]
        if not matches:
            raise ApiKeyNotFound(f"no active API key with id or name {key_id_or_name!r}")
        if len(matches) > 1:
            raise ApiKeyNotFound(f"{len(matches)} active keys are named {key_id_or_name!r}; revoke one by its key id")
        key_hash, info = matches[0]
        revoked_at = iso_seconds(utc_now())
        self._repository.mark_revoked(key_hash, revoked_at)
        if info.credential_arn:
            from trackline.outbound.api_key_credentials import delete_credential

            delete_credential(info.credential_arn)
        return info.model_copy(update={"revoked_at": revoked_at})


def _credential(aes_secret: str | bool | None, rsa_public_key: str | None) -> ApiKeyCredential | None:
    if aes_secret and rsa_public_key:
        raise ValueError("a key signs with AES or with RSA, not both")
    if aes_secret:
        secret = aes_secret if isinstance(aes_secret, str) else SECRET_PREFIX + secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise ValueError("an API secret must have at least 16 characters")
        return ApiKeyCredential(scheme="aes", secret=secret)
    if rsa_public_key:
        from trackline.signatures.rsa_pss import load_public_key

        load_public_key(rsa_public_key)  # refuses what could never verify a signature
        return ApiKeyCredential(scheme="rsa", public_key=rsa_public_key.strip() + "\n")
    return None
