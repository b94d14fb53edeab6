"""The signing credentials of API keys (an AES secret or an RSA public key) in Secrets Manager.

HMAC verification needs the secret itself, so it cannot be stored hashed like the key. It is kept
out of the table, where every function that reads trackings, the stream and the backups would see
it, in one Secrets Manager secret per key, which only the API functions may read. RSA public keys
are not secret but live there too: whoever can write the table cannot swap in a key of their own.
"""

import time

from trackline.models.api_key import ApiKeyCredential
from trackline.outbound.aws_clients import aws_client

CREDENTIAL_MAX_AGE = 300  # seconds a process keeps a credential before reading it again
_cache: dict[str, tuple[float, ApiKeyCredential]] = {}


class CredentialUnavailable(LookupError):
    """The key names a credential that cannot be read (deleted, or not ours)."""


def credential_secret_name(table_name: str, key_id: str) -> str:
    # The template grants the API functions read access to "<table name>/api-keys/*" only.
    return f"{table_name}/api-keys/{key_id}"


def store_credential(name: str, credential: ApiKeyCredential) -> str:
    """Create (or give a new value to) the secret `name`; returns its ARN."""
    client = aws_client("secretsmanager")
    try:
        created = client.create_secret(
            Name=name,
            Description="Trackline API key signing credential",
            SecretString=credential.stored_value(),
        )
        return created["ARN"]
    except client.exceptions.ResourceExistsException:
        updated = client.put_secret_value(SecretId=name, SecretString=credential.stored_value())
        return updated["ARN"]


def load_credential(arn: str) -> ApiKeyCredential:
    cached = _cache.get(arn)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    client = aws_client("secretsmanager")
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except (client.exceptions.ResourceNotFoundException, client.exceptions.InvalidRequestException) as error:
        raise CredentialUnavailable("the API key's signing credential does not exist") from error
    try:
        credential = ApiKeyCredential.model_validate_json(value)
    except ValueError as error:  # edited by hand into something else
        raise CredentialUnavailable("the API key's signing credential is malformed") from error
    _cache[arn] = (time.monotonic() + CREDENTIAL_MAX_AGE, credential)
    return credential


def delete_credential(arn: str) -> None:
    """Schedule the secret's deletion (recoverable for 7 days, as Secrets Manager's minimum)."""
    _cache.pop(arn, None)
    aws_client("secretsmanager").delete_secret(SecretId=arn, RecoveryWindowInDays=7)
