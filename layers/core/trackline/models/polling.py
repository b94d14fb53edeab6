"""The message that carries due work from the poll scheduler to the poll workers."""

from pydantic import BaseModel, ConfigDict, Field


class PollMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str = Field(min_length=1, max_length=64)
    tracking_ids: list[str] = Field(min_length=1, max_length=50)


class SchedulerReport(BaseModel):
    due: int = 0
    items_read: int = 0
    queued: int = 0
    messages: int = 0
    deferred_by_budget: int = 0
    not_pollable: int = 0
