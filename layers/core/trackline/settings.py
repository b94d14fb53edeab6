"""Settings: one validated model, read from the environment once per process.

Resource names (the table) come from the template's environment and have no defaults, so a
function that is wired wrongly fails at its first request instead of writing somewhere else.
"""

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    table_name: str = Field(min_length=3, max_length=255)
    data_retention_days: int = Field(default=120, ge=1, le=3650)
    poll_shards: int = Field(default=16, ge=1, le=256)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Polling: where due work goes, how long a Pending tracking may stay without information,
    # whether the scripted sandbox courier is polled, and (locally) a cap on every cadence.
    poll_queue_url: str | None = None
    pending_expiry_days: int = Field(default=30, ge=1, le=365)
    sandbox_enabled: bool = False
    poll_interval_cap_seconds: int | None = Field(default=None, ge=1)
    poll_lease_seconds: int = Field(default=900, ge=30)


_ENVIRONMENT_NAMES = {
    "table_name": "TABLE_NAME",
    "data_retention_days": "DATA_RETENTION_DAYS",
    "poll_shards": "POLL_SHARDS",
    "max_body_bytes": "MAX_BODY_BYTES",
    "poll_queue_url": "POLL_QUEUE_URL",
    "pending_expiry_days": "PENDING_EXPIRY_DAYS",
    "sandbox_enabled": "SANDBOX_ENABLED",
    "poll_interval_cap_seconds": "POLL_INTERVAL",
    "poll_lease_seconds": "POLL_LEASE_SECONDS",
}


def settings_from(environ: dict[str, str]) -> Settings:
    values = {field: environ[name] for field, name in _ENVIRONMENT_NAMES.items() if environ.get(name)}
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        names = ", ".join(_ENVIRONMENT_NAMES[str(e["loc"][0])] for e in error.errors())
        raise SettingsError(f"invalid or missing environment: {names}") from error


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    import os

    return settings_from(dict(os.environ))
