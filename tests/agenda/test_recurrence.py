import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from solocrm.agenda import services
from solocrm.agenda.models import Task
from solocrm.agenda.recurrence import add_months, next_due, occurrence
from solocrm.core.services import model_update

from .conftest import NEW_YORK, at


def test_daily_keeps_the_wall_clock_time_across_spring_forward():
    start = at(2025, 3, 7, 9, zone=NEW_YORK)
    times = [occurrence(start, "daily", 1, n, NEW_YORK) for n in range(4)]
    assert [t.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for t in times] == [
        "03-07 09:00", "03-08 09:00", "03-09 09:00", "03-10 09:00",
    ]  # fmt: skip
    assert [t.hour for t in times] == [14, 14, 13, 13]  # UTC: the offset changed on 9 March


def test_a_time_skipped_by_the_clock_change_moves_past_the_jump():
    start = at(2025, 3, 8, 2, 30, zone=NEW_YORK)
    assert (
        occurrence(start, "daily", 1, 1, NEW_YORK).astimezone(NEW_YORK).strftime("%m-%d %H:%M")
        == "03-09 03:30"
    )


def test_weekly_across_fall_back():
    start = at(2025, 10, 31, 9, zone=NEW_YORK)
    following = occurrence(start, "weekly", 1, 1, NEW_YORK)
    assert following == dt.datetime(2025, 11, 7, 14, 0, tzinfo=dt.UTC)


def test_monthly_on_the_31st_falls_on_month_ends_and_comes_back():
    start = at(2025, 1, 31, 9)
    days = [occurrence(start, "monthly", 1, n, dt.UTC).date() for n in range(4)]
    assert [d.isoformat() for d in days] == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)


def test_every_n_days():
    start = at(2025, 3, 1, 9)
    assert occurrence(start, "every_n_days", 10, 2, dt.UTC) == start + dt.timedelta(days=20)


def test_finishing_late_gives_the_next_future_occurrence_not_a_backlog():
    start = at(2025, 3, 3, 9)
    following = next_due(
        start=start, previous_due=start, rule="daily", interval=1, zone=dt.UTC,
        not_before=at(2025, 3, 6, 12),
    )  # fmt: skip
    assert following == at(2025, 3, 7, 9)


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="hourly"):
        next_due(
            start=at(2025, 3, 3), previous_due=at(2025, 3, 3), rule="hourly", interval=1,
            zone=dt.UTC, not_before=at(2025, 3, 3),
        )  # fmt: skip


def _new_york(user):
    user, _changes = model_update(
        user, data={"time_zone": "America/New_York"}, fields=["time_zone"]
    )
    return user


def test_completing_a_weekly_task_creates_the_next_once_at_the_same_local_time(owner, make_task):
    owner = _new_york(owner)
    task = make_task(
        by=owner,
        due_at=at(2025, 3, 7, 9, zone=NEW_YORK),
        remind_at=at(2025, 3, 7, 8, 30, zone=NEW_YORK),
        recurrence="weekly",
        priority=2,
    )
    done, following = services.task_complete(
        task=task, by=owner, now=at(2025, 3, 7, 10, zone=NEW_YORK)
    )
    assert following.due_at == dt.datetime(2025, 3, 14, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
    assert following.remind_at == dt.datetime(2025, 3, 14, 12, 30, tzinfo=dt.UTC)
    assert (following.previous, following.priority, following.recurrence) == (done, 2, "weekly")
    assert (following.owner, following.recurrence_start) == (owner, task.due_at)
    _again, same = services.task_complete(task=done, by=owner)
    assert same == following
    assert Task.objects.filter(previous=done).count() == 1
    assert Task.objects.count() == 2


def test_the_series_continues_from_the_next_occurrence(owner, make_task):
    task = make_task(due_at=at(2025, 1, 31, 9), recurrence="monthly")
    _done, second = services.task_complete(task=task, by=owner, now=at(2025, 1, 31, 10))
    _done, third = services.task_complete(task=second, by=owner, now=at(2025, 2, 28, 10))
    assert (second.due_at, third.due_at) == (at(2025, 2, 28, 9), at(2025, 3, 31, 9))


def test_reopening_and_completing_again_makes_no_second_occurrence(owner, make_task):
    task = make_task(due_at=at(2025, 3, 3, 9), recurrence="daily")
    task, following = services.task_complete(task=task, by=owner, now=at(2025, 3, 3, 10))
    task = services.task_reopen(task=task, by=owner)
    _task, again = services.task_complete(task=task, by=owner, now=at(2025, 3, 3, 11))
    assert again == following
    assert Task.objects.count() == 2


def test_the_database_refuses_a_second_next_occurrence(owner, make_task):
    task = make_task(due_at=at(2025, 3, 3, 9), recurrence="daily")
    _task, following = services.task_complete(task=task, by=owner, now=at(2025, 3, 3, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(title="dup", owner=owner, previous=task)
    assert Task.objects.filter(previous=task).get() == following
