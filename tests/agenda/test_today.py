"""The Today list on constructed cases: which items, their reasons, their exact scores
and order (docs/today.md)."""

import datetime as dt

import pytest
from django.utils import timezone

from solocrm.agenda import ranking, services
from solocrm.agenda.timezones import day_start, local_date
from solocrm.agenda.today import today_items
from solocrm.customers import services as customer_services

from .conftest import SHANGHAI

AHEAD = 40  # the scenario happens this many days after the records are made


@pytest.fixture
def day():
    """The scenario's day ``T`` and noon on it, in the owner's zone (Asia/Shanghai)."""
    today = local_date(timezone.now(), SHANGHAI) + dt.timedelta(days=AHEAD)
    return today, day_start(today, SHANGHAI) + dt.timedelta(hours=12)


def local(day, days, hour, minute=0):
    moment = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute))
    return moment.replace(tzinfo=SHANGHAI).astimezone(dt.UTC)


@pytest.fixture
def scenario(owner, make_task, make_customer, make_deal, day):
    today, _noon = day
    buyer = make_customer("Buyer")
    keep = make_customer("Keep In Touch")
    services.cadence_create(by=owner, customer=keep, interval_days=30)
    customer_services.interaction_create(by=owner, customer=keep, kind="call")
    birthday = make_customer("Birthday", data={"birthday": today.replace(year=1990)})
    tasks = {
        "overdue": make_task("Overdue three days", due_at=local(today, -3, 10)),
        "later_today": make_task(
            "Later today", due_at=local(today, 0, 15), priority=2, customer=buyer
        ),
        "this_morning": make_task("This morning", due_at=local(today, 0, 9), priority=3),
        "old_low": make_task("Old and low", due_at=local(today, -20, 9), priority=0),
        "tomorrow": make_task("Tomorrow", due_at=local(today, 1, 9)),
        "done": make_task("Done already", due_at=local(today, -1, 9)),
        "undated": make_task("No due date"),
    }
    services.task_complete(task=tasks["done"], by=owner)
    deals = {
        "late": make_deal("Late deal", expected_close_date=today - dt.timedelta(days=2)),
        "quiet": make_deal("Quiet deal"),
        "future": make_deal("Future deal", expected_close_date=today + dt.timedelta(days=5)),
    }
    return {"tasks": tasks, "deals": deals, "buyer": buyer, "keep": keep, "birthday": birthday}


def keys_and_scores(items):
    return [(i.key, i.score) for i in items]


def test_ranked_list_with_reasons(owner, scenario, day):
    today, noon = day
    tasks, deals = scenario["tasks"], scenario["deals"]
    items = today_items(owner, now=noon)
    assert keys_and_scores(items) == [
        (f"task:{tasks['this_morning'].pk}", 80.0),  # 50 + 0 days + urgent 30
        (f"task:{tasks['old_low'].pk}", 70.0),  # 50 + 3×min(20, 10) − 10
        (f"task:{tasks['overdue'].pk}", 59.0),  # 50 + 3×3
        (f"task:{tasks['later_today'].pk}", 55.0),  # 40 + high 15
        (f"deal:{deals['late'].pk}", 49.0),  # max(45 + 2×2, 30 + ½×26)
        (f"contact:{scenario['keep'].pk}", 45.0),  # 35 + 10 days
        (f"deal:{deals['future'].pk}", 43.0),  # 30 + ½×(40 − 14), ties by title
        (f"deal:{deals['quiet'].pk}", 43.0),
        (f"birthday:{scenario['birthday'].pk}", 38.0),
    ]
    by_key = {i.key: i for i in items}
    three_days_ago = (today - dt.timedelta(days=3)).isoformat()
    assert by_key[f"task:{tasks['overdue'].pk}"].reasons == [
        f"Overdue by 3 days (due {three_days_ago} 10:00)"
    ]
    assert by_key[f"task:{tasks['this_morning'].pk}"].reasons == [
        "Overdue since 09:00 today",
        "Priority: urgent",
    ]
    later = by_key[f"task:{tasks['later_today'].pk}"]
    assert later.reasons == ["Due today at 15:00", "Priority: high"]
    assert (later.customer_name, later.actions) == ("Buyer", ["done", "snooze", "open"])
    late_deal = by_key[f"deal:{deals['late'].pk}"]
    assert late_deal.reasons == [
        f"Expected to close on {(today - dt.timedelta(days=2)).isoformat()}, 2 days ago",
        "No activity for 40 days",
        "Stage: Lead",
    ]
    assert by_key[f"contact:{scenario['keep'].pk}"].reasons == [
        "Keep in touch every 30 days; last contact 40 days ago"
    ]
    assert by_key[f"birthday:{scenario['birthday'].pk}"].reasons == [
        f"Birthday today: turns {today.year - 1990}"
    ]


def test_reasons_are_translated(owner, scenario, day):
    from django.utils import translation

    _today, noon = day
    with translation.override("zh-hans"):
        items = today_items(owner, now=noon)
    assert items[0].reasons[0] == "今天 09:00 起已逾期"


def test_customer_value_and_churn_risk_raise_a_customers_items(owner, scenario, day, monkeypatch):
    _today, noon = day
    buyer = scenario["buyer"]
    monkeypatch.setattr(ranking, "_PROVIDERS", [])
    ranking.register_customer_signals(
        lambda ids: {buyer.pk: ranking.CustomerSignals(value=1.0, churn_risk=1.0)}
    )
    items = today_items(owner, now=noon)
    later = scenario["tasks"]["later_today"]
    assert keys_and_scores(items)[:2] == [
        (f"task:{scenario['tasks']['this_morning'].pk}", 80.0),
        (f"task:{later.pk}", 75.0),  # 55 + 20×½ + 20×½
    ]


def test_neutral_signals_without_insights():
    assert ranking.customer_signals([3, 1]) == {
        1: ranking.CustomerSignals(0.5, 0.5),
        3: ranking.CustomerSignals(0.5, 0.5),
    }
    assert ranking.CustomerSignals(value=0.0, churn_risk=2.0).points() == 0.0  # −10 + 10


def test_snoozed_items_come_back_the_next_day(owner, scenario, day):
    _today, noon = day
    morning = scenario["tasks"]["this_morning"]
    services.today_snooze(user=owner, item_key=f"task:{morning.pk}", now=noon)
    assert f"task:{morning.pk}" not in [i.key for i in today_items(owner, now=noon)]
    tomorrow = today_items(owner, now=noon + dt.timedelta(days=1))
    [item] = [i for i in tomorrow if i.key == f"task:{morning.pk}"]
    assert item.score == 83.0  # one day late now


def test_completing_a_task_takes_it_off(owner, scenario, day):
    _today, noon = day
    morning = scenario["tasks"]["this_morning"]
    services.task_complete(task=morning, by=owner)
    assert f"task:{morning.pk}" not in [i.key for i in today_items(owner, now=noon)]


def test_logging_an_interaction_takes_the_contact_off(owner, scenario, day):
    _today, noon = day
    keep = scenario["keep"]
    customer_services.interaction_create(by=owner, customer=keep, occurred_at=noon)
    assert f"contact:{keep.pk}" not in [i.key for i in today_items(owner, now=noon)]


def test_each_user_sees_their_own_work_and_the_owner_also_unassigned(owner, member, make_task, day):
    today, noon = day
    mine = make_task("Member's", by=member, due_at=local(today, 0, 9))
    unassigned = make_task("Nobody's", due_at=local(today, 0, 9))
    services.task_update(task=unassigned, by=owner, data={"owner": None})
    assert [i.title for i in today_items(member, now=noon)] == ["Member's"]
    assert [i.title for i in today_items(owner, now=noon)] == ["Nobody's"]
    assert mine.owner == member


def test_limit_keeps_the_best(owner, make_task, day):
    today, noon = day
    for n in range(5):
        make_task(f"T{n}", due_at=local(today, -n, 8))
    assert [i.title for i in today_items(owner, now=noon, limit=2)] == ["T4", "T3"]


def test_a_february_29_birthday_is_celebrated_on_the_28th_in_other_years(owner, make_customer):
    leapling = make_customer("Leapling", data={"birthday": dt.date(2000, 2, 29)})
    noon = dt.datetime(2027, 2, 28, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
    [item] = today_items(owner, now=noon)
    assert (item.key, item.reasons) == (f"birthday:{leapling.pk}", ["Birthday today: turns 27"])
    assert today_items(owner, now=dt.datetime(2028, 2, 28, 4, 0, tzinfo=dt.UTC)) == []


def test_closed_deals_are_not_listed(owner, make_deal, day):
    from solocrm.sales.models import Stage
    from solocrm.sales.services.deals import deal_move_to_stage

    today, noon = day
    deal = make_deal("Won", expected_close_date=today - dt.timedelta(days=3))
    deal_move_to_stage(
        deal=deal, by=owner, stage=Stage.objects.get(is_won=True), expected_version=deal.version
    )
    assert today_items(owner, now=noon) == []


def test_a_source_that_cannot_place_an_item_is_not_read(owner, make_task, day, monkeypatch):
    from solocrm.agenda import today_sources

    today, noon = day
    for n in range(3):  # urgent and ten days late: 50 + 30 + 30 = 110 > any contact (85)
        make_task(f"Urgent {n}", due_at=local(today, -10 - n, 9), priority=3)

    def must_not_run(*args, **kwargs):
        raise AssertionError("read a source that cannot reach the list")

    monkeypatch.setattr(today_sources, "contact_candidates", must_not_run)
    monkeypatch.setattr(today_sources, "birthday_candidates", must_not_run)
    monkeypatch.setattr(today_sources, "deal_candidates", must_not_run)
    items = today_items(owner, now=noon, limit=2)
    assert [(i.title, i.score) for i in items] == [("Urgent 2", 110.0), ("Urgent 1", 110.0)]


def test_with_room_on_the_list_every_source_is_read(owner, scenario, day):
    _today, noon = day
    full = [i.key for i in today_items(owner, now=noon, limit=50)]
    assert [i.key for i in today_items(owner, now=noon, limit=6)] == full[:6]


def test_a_cadence_reads_never_contacted_and_contacted_customers_apart(owner, make_customer):
    """With a limit per cadence, customers never contacted (counted from the cadence)
    cannot crowd out a contacted customer who is more overdue."""
    from solocrm.agenda.keep_in_touch import contacts_due
    from solocrm.core.tags import tag_create
    from solocrm.customers.models import Customer

    vip = tag_create(by=owner, name="VIP")
    services.cadence_create(by=owner, tag=vip, interval_days=30)
    never = [make_customer(f"Never {n}", tags=["VIP"]) for n in range(3)]
    called = make_customer("Called", tags=["VIP"])
    customer_services.interaction_create(
        by=owner, customer=called, kind="call", occurred_at=timezone.now() - dt.timedelta(days=10)
    )
    later = local_date(timezone.now(), SHANGHAI) + dt.timedelta(days=60)
    found = contacts_due(Customer.objects.alive(), today=later, zone=SHANGHAI, limit=2)
    assert found[0].customer_id == called.pk  # due 20 days from now, the others at 30
    assert {i.customer_id for i in found[1:]} <= {c.pk for c in never}
    assert len(found) == 3  # two never contacted (the limit) and the called one
    everyone = contacts_due(Customer.objects.alive(), today=later, zone=SHANGHAI)
    assert len(everyone) == 4


def test_own_cadences_most_overdue_first_within_the_limit(owner, make_customer):
    from solocrm.agenda.keep_in_touch import contacts_due
    from solocrm.customers.models import Customer

    customers = []
    for n, days in enumerate((5, 40, 20, 60)):
        customer = make_customer(f"Own {n}")
        services.cadence_create(by=owner, customer=customer, interval_days=14, note=f"n{n}")
        customer_services.interaction_create(
            by=owner,
            customer=customer,
            kind="call",
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )
        customers.append(customer)
    today = local_date(timezone.now(), SHANGHAI)
    found = contacts_due(Customer.objects.alive(), today=today, zone=SHANGHAI, limit=2)
    assert [(i.customer_id, i.note) for i in found] == [
        (customers[3].pk, "n3"),
        (customers[1].pk, "n1"),
    ]
    every = contacts_due(Customer.objects.alive(), today=today, zone=SHANGHAI)
    assert [i.customer_id for i in every] == [customers[k].pk for k in (3, 1, 2)]


def test_read_variants_compiles_once_and_falls_back_when_a_stand_in_is_ambiguous(
    owner, make_task, day
):
    from solocrm.agenda.models import Task
    from solocrm.agenda.selectors import STAND_INS, read_variants

    today, _noon = day
    for priority in (0, 1, 1, 3):
        make_task(f"P{priority}", due_at=local(today, -1, 9), priority=priority)
    variants = [{"priority": p} for p in (0, 1, 2, 3)]

    def titles(priority, excluded=()):
        rows = Task.objects.filter(priority=priority).exclude(pk__in=excluded)
        return rows.order_by("pk").values_list("title", "priority")

    expected = [list(titles(**v)) for v in variants]
    assert [len(rows) for rows in expected] == [1, 2, 0, 1]
    assert read_variants(titles, variants) == expected
    # Every stand-in also among the other parameters: one query per variant instead.
    ambiguous = STAND_INS[int]
    assert read_variants(lambda priority: titles(priority, ambiguous), variants) == expected
    # A query that can match nothing runs no SQL.
    assert read_variants(lambda priority: titles(priority).filter(pk__in=[]), variants) == [
        [],
        [],
        [],
        [],
    ]


def test_without_insights_a_kind_cannot_gain_the_insight_term(monkeypatch):
    assert ranking.insight_is_neutral()
    assert ranking.max_score("contact", neutral=True) == 65
    assert ranking.max_score("contact", neutral=False) == 65 + ranking.MAX_INSIGHT
    monkeypatch.setattr(ranking, "_PROVIDERS", [lambda ids: {}])
    assert not ranking.insight_is_neutral()
