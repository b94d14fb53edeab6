"""Settings: one validated model, read from the environment once per process.

Resource names (the table) come from the template's environment and have no defaults, so a
function that is wired wrongly fails at its first request instead of writing somewhere else.
"""

from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from trackline.models.enums import Tag


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


TagSet = Annotated[frozenset[Tag], BeforeValidator(_comma_list)]
UrlList = Annotated[tuple[str, ...], BeforeValidator(_comma_list), Field(max_length=10)]

# The contract's defaults: customers hear about these the first time the parcel reaches them.
DEFAULT_NOTIFY_TAGS = frozenset(
    {Tag.IN_TRANSIT, Tag.OUT_FOR_DELIVERY, Tag.ATTEMPT_FAIL, Tag.AVAILABLE_FOR_PICKUP, Tag.DELIVERED, Tag.EXCEPTION}
)
DEFAULT_WEBHOOK_TAGS = frozenset(Tag) - {Tag.PENDING}


class Settings(BaseModel):
    # hide_input_in_errors: the environment holds secrets and URLs with tokens.
    model_config = ConfigDict(frozen=True, defer_build=True, hide_input_in_errors=True)

    table_name: str = Field(min_length=3, max_length=255)
    data_retention_days: int = Field(default=120, ge=1, le=3650)
    poll_shards: int = Field(default=16, ge=1, le=256)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Requests per second per API key (the contract's default is 10), counted in the table.
    rate_limit_per_second: int = Field(default=10, ge=1, le=10_000)
    # Polling: where due work goes, how long a Pending tracking may stay without information,
    # whether the scripted sandbox courier is polled, and (locally) a cap on every cadence.
    poll_queue_url: str | None = None
    pending_expiry_days: int = Field(default=30, ge=1, le=365)
    sandbox_enabled: bool = False
    poll_interval_cap_seconds: int | None = Field(default=None, ge=1)
    poll_lease_seconds: int = Field(default=900, ge=30)
    # Notifications: where change events go, who hears about which tags, and how.
    event_bus_name: str | None = None
    notify_tags: TagSet = DEFAULT_NOTIFY_TAGS
    email_sender: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    sms_enabled: bool = True
    brand_name: str = Field(default="Trackline", min_length=1, max_length=100)
    # The public tracking page: the merchant's logo (https only, the page's one outside
    # resource) and colour, and the base of every page link (unset: the API's own URL).
    brand_logo_url: str | None = Field(default=None, max_length=2048, pattern=r"^https://[^\s\"'<>\\]+$")
    brand_color: str = Field(default="#1f6feb", pattern=r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
    tracking_page_base_url: str | None = Field(default=None, max_length=512, pattern=r"^https?://[^\s/?#\"'<>\\]+(/[^\s?#\"'<>\\]*)?$")
    # Locally only: http to 127.0.0.1 for a developer's receiver. Declared before the URLs,
    # whose check reads it.
    webhook_allow_local_http: bool = False
    webhook_urls: UrlList = ()
    webhook_tags: TagSet = DEFAULT_WEBHOOK_TAGS
    webhook_secret: SecretStr | None = None
    webhook_secret_arn: str | None = None
    webhook_queue_url: str | None = None
    # Imports and exports: the bucket files pass through and the queue of import work (names from
    # the template), and the limits that keep one file within one worker invocation.
    import_bucket: str | None = None
    import_queue_url: str | None = None
    import_max_rows: int = Field(default=50_000, ge=1, le=1_000_000)
    import_max_bytes: int = Field(default=52_428_800, ge=1024)
    import_write_concurrency: int = Field(default=8, ge=1, le=64)
    import_retention_days: int = Field(default=30, ge=1, le=3650)
    # Lambda answers at most 6 MB; larger exports go through the bucket.
    export_inline_bytes: int = Field(default=5_242_880, ge=1024, le=5_500_000)

    @field_validator("webhook_urls")
    @classmethod
    def _refuse_disallowed_webhook_urls(cls, urls: tuple[str, ...], info) -> tuple[str, ...]:
        from trackline.outbound.webhook_addresses import check_webhook_url

        allow_local_http = bool(info.data.get("webhook_allow_local_http"))
        return tuple(check_webhook_url(url, allow_local_http=allow_local_http) for url in urls)

    @model_validator(mode="after")
    def _webhooks_need_a_secret(self) -> "Settings":
        if self.webhook_urls and not (self.webhook_secret or self.webhook_secret_arn):
            raise ValueError("webhook URLs are configured without a webhook secret")
        return self


_ENVIRONMENT_NAMES = {
    "table_name": "TABLE_NAME",
    "data_retention_days": "DATA_RETENTION_DAYS",
    "poll_shards": "POLL_SHARDS",
    "max_body_bytes": "MAX_BODY_BYTES",
    "rate_limit_per_second": "RATE_LIMIT_PER_SECOND",
    "poll_queue_url": "POLL_QUEUE_URL",
    "pending_expiry_days": "PENDING_EXPIRY_DAYS",
    "sandbox_enabled": "SANDBOX_ENABLED",
    "poll_interval_cap_seconds": "POLL_INTERVAL",
    "poll_lease_seconds": "POLL_LEASE_SECONDS",
    "event_bus_name": "EVENT_BUS_NAME",
    "notify_tags": "NOTIFY_TAGS",
    "email_sender": "EMAIL_SENDER",
    "sms_enabled": "SMS_ENABLED",
    "brand_name": "BRAND_NAME",
    "brand_logo_url": "BRAND_LOGO_URL",
    "brand_color": "BRAND_COLOR",
    "tracking_page_base_url": "TRACKING_PAGE_BASE_URL",
    "webhook_urls": "WEBHOOK_URLS",
    "webhook_tags": "WEBHOOK_TAGS",
    "webhook_secret": "WEBHOOK_SECRET",
    "webhook_secret_arn": "WEBHOOK_SECRET_ARN",
    "webhook_queue_url": "WEBHOOK_QUEUE_URL",
    "webhook_allow_local_http": "WEBHOOK_ALLOW_LOCAL_HTTP",
    "import_bucket": "IMPORT_BUCKET",
    "import_queue_url": "IMPORT_QUEUE_URL",
    "import_max_rows": "IMPORT_MAX_ROWS",
    "import_max_bytes": "IMPORT_MAX_BYTES",
    "import_write_concurrency": "IMPORT_WRITE_CONCURRENCY",
    "import_retention_days": "IMPORT_RETENTION_DAYS",
    "export_inline_bytes": "EXPORT_INLINE_BYTES",
}


def settings_from(environ: dict[str, str]) -> Settings:
    values = {field: environ[name] for field, name in _ENVIRONMENT_NAMES.items() if environ.get(name)}
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise SettingsError("invalid or missing environment: " + "; ".join(_describe(e) for e in error.errors())) from error


def _describe(error: dict) -> str:
    # Values are never echoed: the environment holds secrets.
    name = _ENVIRONMENT_NAMES[str(error["loc"][0])] if error["loc"] else "configuration"
    reason = error.get("ctx", {}).get("error")
    return f"{name} ({reason})" if reason else name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    import os

    return settings_from(dict(os.environ))
