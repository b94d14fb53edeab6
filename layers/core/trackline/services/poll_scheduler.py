"""The poll scheduler: reads only due trackings, respects each carrier's budget, and queues the
work in batches per carrier."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from trackline.carriers import registry
from trackline.carriers.settings import carrier_budget
from trackline.clock import iso_seconds, utc_now
from trackline.models.polling import PollMessage, SchedulerReport
from trackline.repository.budgets import BudgetRepository
from trackline.repository.trackings import DueTracking, PollIndex
from trackline.settings import Settings, get_settings

logger = Logger(child=True)

MAX_DUE_PER_SHARD = 2_000
# One message carries up to this many carrier requests' worth of trackings; the worker sends
# them in parallel, so a slow carrier does not make the poll cycle slow.
REQUESTS_PER_MESSAGE = 50
MAX_IDS_PER_MESSAGE = 50
# A courier nobody can poll is looked at again only this often, not on every run.
NOT_POLLABLE_RETRY = timedelta(hours=12)


class PollScheduler:
    def __init__(
        self,
        settings: Settings | None = None,
        index: PollIndex | None = None,
        budgets: BudgetRepository | None = None,
        queue: Any = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._index = index or PollIndex(self._settings.table_name)
        self._budgets = budgets or BudgetRepository(self._settings.table_name)
        self._queue = queue

    @property
    def queue(self) -> Any:
        if self._queue is None:
            import boto3

            self._queue = boto3.client("sqs")
        return self._queue

    def run(self, now: datetime | None = None) -> SchedulerReport:
        now = now or utc_now()
        report = SchedulerReport()
        by_courier: dict[str, list[DueTracking]] = defaultdict(list)
        for shard in range(self._settings.poll_shards):
            due = self._index.due(shard, iso_seconds(now), MAX_DUE_PER_SHARD)
            report.items_read += len(due)
            for tracking in due:
                by_courier[tracking.slug].append(tracking)
        report.due = report.items_read
        for slug, due in by_courier.items():
            self._schedule_courier(slug, sorted(due, key=lambda item: item.poll_at), now, report)
        logger.info("Poll scheduler run", extra=report.model_dump())
        return report

    def _schedule_courier(self, slug: str, due: list[DueTracking], now: datetime, report: SchedulerReport) -> None:
        adapter = registry.adapter_for(slug, sandbox_enabled=self._settings.sandbox_enabled)
        if adapter is None:
            report.not_pollable += len(due)
            self._lease_all(due, now + NOT_POLLABLE_RETRY)
            return
        batch_size = adapter.max_batch
        requests_needed = -(-len(due) // batch_size)
        budget = carrier_budget(slug)
        granted = self._budgets.reserve(slug, now, requests_needed, per_minute=budget.per_minute, per_day=budget.per_day)
        polled = due[: granted * batch_size]
        report.deferred_by_budget += len(due) - len(polled)
        leased = self._lease_all(polled, now + timedelta(seconds=self._settings.poll_lease_seconds))
        per_message = min(MAX_IDS_PER_MESSAGE, batch_size * REQUESTS_PER_MESSAGE)
        batches = [leased[start : start + per_message] for start in range(0, len(leased), per_message)]
        messages = [PollMessage(slug=slug, tracking_ids=[item.id for item in batch]) for batch in batches]
        self._send(messages)
        report.queued += len(leased)
        report.messages += len(messages)

    def _lease_all(self, due: list[DueTracking], until: datetime) -> list[DueTracking]:
        stamp = iso_seconds(until)
        return [item for item in due if self._index.lease(item, stamp)]

    def _send(self, messages: list[PollMessage]) -> None:
        if not messages:
            return
        if not self._settings.poll_queue_url:
            raise RuntimeError("POLL_QUEUE_URL is not set: the scheduler has nowhere to send work")
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            response = self.queue.send_message_batch(
                QueueUrl=self._settings.poll_queue_url,
                Entries=[{"Id": str(index), "MessageBody": message.model_dump_json()} for index, message in enumerate(chunk)],
            )
            if response.get("Failed"):
                # Leased but not queued: the lease runs out and the next run queues them again.
                logger.warning("Some poll messages were not queued", extra={"failed": len(response["Failed"])})
