"""Rate limiting per API key: `RATE_LIMIT_PER_SECOND` requests in each one-second window (the
contract's default is 10), decided by the authorizer and answered by the API functions' guard."""

from datetime import datetime

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from trackline.models.authorization import RateLimitStatus
from trackline.repository.rate_limits import RateLimitRepository
from trackline.settings import get_settings

logger = Logger(child=True)


class RateLimiter:
    def __init__(self, repository: RateLimitRepository | None = None, limit: int | None = None) -> None:
        settings = get_settings()
        self._repository = repository or RateLimitRepository(settings.table_name)
        self.limit = limit or settings.rate_limit_per_second

    def admit(self, key_id: str, now: datetime) -> RateLimitStatus:
        """Count this request against the key's current window."""
        second = int(now.timestamp())
        try:
            used = self._repository.take(key_id, second, self.limit)
        except (ClientError, BotoCoreError) as error:
            # Availability before strictness: a counter that cannot be written lets the request
            # through (uncounted) rather than failing every API call with it.
            logger.warning("rate counter unavailable", extra={"error_type": type(error).__name__})
            return self.untouched(now)
        if used is None:
            return RateLimitStatus(limit=self.limit, remaining=0, reset=second + 1, limited=True)
        return RateLimitStatus(limit=self.limit, remaining=max(0, self.limit - used), reset=second + 1)

    def untouched(self, now: datetime) -> RateLimitStatus:
        """The status of a request that counts against no key (no key, an unknown one, public)."""
        return RateLimitStatus(limit=self.limit, remaining=self.limit, reset=int(now.timestamp()) + 1)
