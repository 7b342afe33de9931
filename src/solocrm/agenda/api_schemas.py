"""Request and response shapes of the agenda API. Times are ISO 8601; answers are in
UTC, and a time sent without an offset is read in the caller's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

VERSION_HELP = "The version you read; a stale one answers 409"


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    due_at: dt.datetime | None
    remind_at: dt.datetime | None
    customer_id: int | None
    company_id: int | None
    deal_id: int | None
    owner_id: int | None
    priority: int = Field(description="0 low, 1 normal, 2 high, 3 urgent")
    done_at: dt.datetime | None
    recurrence: str = Field(description="'', daily, weekly, monthly or every_n_days")
    recurrence_interval: int
    previous_id: int | None = Field(description="The occurrence this one follows")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class TaskIn(Schema):
    title: str = Field(..., max_length=200)
    notes: str = ""
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    customer_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    owner_id: int | None = Field(None, description="Defaults to you")
    priority: int = Field(1, ge=0, le=3)
    recurrence: str = Field("", pattern=r"^(|daily|weekly|monthly|every_n_days)$")
    recurrence_interval: int = Field(1, ge=1, le=366)


class TaskPatch(Schema):
    version: int = Field(..., description=VERSION_HELP)
    title: str | None = Field(None, max_length=200)
    notes: str | None = None
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    customer_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    owner_id: int | None = None
    priority: int | None = Field(None, ge=0, le=3)
    recurrence: str | None = Field(None, pattern=r"^(|daily|weekly|monthly|every_n_days)$")
    recurrence_interval: int | None = Field(None, ge=1, le=366)


class VersionIn(Schema):
    version: int | None = Field(None, description=VERSION_HELP)


class TaskCompleteOut(Schema):
    task: TaskOut
    next_occurrence: TaskOut | None


class CadenceOut(Schema):
    id: int
    customer_id: int | None
    tag: str | None = None
    interval_days: int
    note: str
    active: bool
    version: int

    @staticmethod
    def resolve_tag(obj: Any) -> str | None:
        return obj.tag.name if obj.tag_id else None


class CadenceIn(Schema):
    customer_id: int | None = Field(None, description="A customer, or:")
    tag: str | None = Field(None, description="a tag name (everyone with the tag)")
    interval_days: int = Field(..., ge=1, le=3660)
    note: str = Field("", max_length=200)


class CadencePatch(Schema):
    version: int = Field(..., description=VERSION_HELP)
    interval_days: int | None = Field(None, ge=1, le=3660)
    note: str | None = Field(None, max_length=200)
    active: bool | None = None


class ContactDueOut(Schema):
    customer_id: int
    customer_name: str
    interval_days: int
    tag_name: str
    last_contact: dt.datetime | None
    due_date: dt.date


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    task_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class UnreadOut(Schema):
    unread: int


class TodayItemOut(Schema):
    key: str = Field(description="kind:id; snooze it with POST /today/snooze")
    kind: str = Field(description="task, contact, deal or birthday")
    title: str
    reasons: list[str] = Field(description="Why it is on the list, in the caller's language")
    score: float = Field(description="Rank (higher first); see docs/today.md")
    url: str
    customer_id: int | None
    task_id: int | None
    task_version: int | None
    deal_id: int | None
    actions: list[str]


class TodayOut(Schema):
    date: dt.date = Field(description="Today in the caller's time zone")
    time_zone: str
    items: list[TodayItemOut]


class SnoozeIn(Schema):
    key: str = Field(..., max_length=64)
    until: dt.date | None = Field(None, description="Hidden until this day; default tomorrow")


class SnoozeOut(Schema):
    key: str
    until: dt.date


class CalendarFeedOut(Schema):
    url: str = Field(description="Shown once; keep it secret")
    prefix: str
