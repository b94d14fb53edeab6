"""Poll scheduler: on the EventBridge schedule, queue the due trackings per carrier within budget."""

from functools import lru_cache

from aws_lambda_powertools import Logger
from typing import Any

from trackline.services.poll_scheduler import PollScheduler

logger = Logger()


@lru_cache(maxsize=1)
def scheduler() -> PollScheduler:
    return PollScheduler()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    return scheduler().run().model_dump()
