"""Where each carrier is, how to sign in, and how many requests it may get.

Locally: `CARRIER_<SLUG>_BASE_URL`, `CARRIER_<SLUG>_API_KEY`, `CARRIER_<SLUG>_CLIENT_ID`,
`CARRIER_<SLUG>_CLIENT_SECRET`, `CARRIER_<SLUG>_PER_MINUTE`, `CARRIER_<SLUG>_PER_DAY`.
In AWS: `CARRIER_<SLUG>_SECRET_ARN` names a Secrets Manager secret holding a JSON object with
`api_key`, `client_id`, `client_secret` and optionally `base_url`; the environment still gives
the budget.
"""

import os
from functools import lru_cache

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from trackline.carriers.base import CarrierSettings

logger = Logger(child=True)

DEFAULT_BASE_URLS = {
    "ups": "https://onlinetools.ups.com",
    "fedex": "https://apis.fedex.com",
    "usps": "https://apis.usps.com",
    "dhl": "https://api-eu.dhl.com",
}
SECRETS_MAX_AGE = 300


class CarrierBudget(BaseModel):
    model_config = ConfigDict(frozen=True)

    per_minute: int = 60
    per_day: int = 20_000


def _env(slug: str, name: str) -> str | None:
    return os.environ.get(f"CARRIER_{slug.upper().replace('-', '_')}_{name}") or None


def carrier_settings(slug: str) -> CarrierSettings | None:
    """The carrier's settings, or None when it has no credentials (it is then not polled)."""
    values = {"base_url": _env(slug, "BASE_URL") or DEFAULT_BASE_URLS.get(slug)}
    for name in ("api_key", "client_id", "client_secret"):
        values[name] = _env(slug, name.upper())
    secret_arn = _env(slug, "SECRET_ARN")
    if secret_arn:
        from aws_lambda_powertools.utilities.parameters import get_secret

        secret = get_secret(secret_arn, transform="json", max_age=SECRETS_MAX_AGE) or {}
        values.update({key: value for key, value in secret.items() if key in values and value})
    if not values["base_url"]:
        return None
    settings = CarrierSettings(**values)
    if not settings.has_credentials:
        _say_once_not_configured(slug)
        return None
    return settings


@lru_cache(maxsize=None)
def _say_once_not_configured(slug: str) -> None:
    logger.warning("Carrier has no credentials; its trackings stay Pending", extra={"carrier": slug})


def carrier_budget(slug: str) -> CarrierBudget:
    values = {"per_minute": _env(slug, "PER_MINUTE"), "per_day": _env(slug, "PER_DAY")}
    return CarrierBudget(**{name: int(value) for name, value in values.items() if value})
