"""Benchmark: the Today page on a big SQLite database, against a minimal Django view.

Builds, on a fresh SQLite file (WAL, synchronous=FULL, as the application runs):
N customers (all owned by the user; 10 % tagged VIP under a 30-day tag cadence, 1 %
with a cadence of their own, birthdays spread over the year), 10 × N orders, 2 × N
interactions, 10,000 open tasks (due from 60 days ago to 60 days ahead) and 500 open
deals. Rows go in with ``executemany``: the data's size is what matters here, not how
it got in.

Then times, in one process, through Django's test client (the whole middleware stack,
a logged-in owner, templates rendered):

- ``/`` — the Today page (for an owner the home page is the Today list);
- ``/bench/minimal/`` — the baseline: a view reading 50 customers and rendering them in
  a small template table.

Requests alternate between the two so both see the same machine load, in three cases:
as built (thousands of overdue tasks fill the list), with no task due (deals fill it),
and with no task due and no deal late or quiet (the keep-in-touch cadences and
birthdays fill it). Reports p50/p95 wall milliseconds, queries per request and the
ratios (the issue's target: at most 5× at p95). Writes ``bench/results/today.json``.

Run: ``.venv/bin/python bench/bench_today.py [CUSTOMERS] [REQUESTS]`` (default 100,000
customers — 1,000,000 orders — and 60 requests of each; building the data takes about
five minutes). ``SOLOCRM_BENCH_HOME=<dir>`` keeps the database there and reuses it when
it already holds the data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import fast_insert, measure, percentile

RESULT_PATH = Path(__file__).parent / "results" / "today.json"
SEED = 20250310
OPEN_TASKS = 10_000
OPEN_DEALS = 500


def build(customers: int, owner: Any) -> dict[str, Any]:
    from django.utils import timezone

    from solocrm.agenda.models import Cadence, Task
    from solocrm.core.tags import tag_create
    from solocrm.customers.models import Customer, Interaction
    from solocrm.sales.models import Deal, Order, Stage
    from solocrm.sales.services.pipelines import pipeline_create

    rng = random.Random(SEED)
    now = timezone.now()
    timings = {}
    started = time.perf_counter()
    fast_insert(
        Customer,
        [
            {
                "name": f"客户{i:06d}",
                "owner_id": owner.pk,
                "city": rng.choice(["上海", "北京", "杭州"]),
                "birthday": dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(365 * 30)),
                "created_at": now - dt.timedelta(days=rng.randrange(30, 900)),
                "search_text": f"客户{i:06d}",
            }
            for i in range(customers)
        ],
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    timings["customers_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    fast_insert(
        Order,
        [
            {
                "customer_id": rng.choice(ids),
                "number": f"B{n:08d}",
                "ordered_at": now - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                "currency": "CNY",
                "subtotal": Decimal("100.00"),
                "total": Decimal("100.00"),
                "owner_id": owner.pk,
            }
            for n in range(10 * customers)
        ],
    )
    timings["orders_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    fast_insert(
        Interaction,
        [
            {
                "customer_id": rng.choice(ids),
                "kind": "call",
                "occurred_at": now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                "author_id": owner.pk,
            }
            for _n in range(2 * customers)
        ],
    )
    vip = tag_create(by=owner, name="VIP")
    through = Customer.tags.through
    vip_ids = rng.sample(ids, customers // 10)
    fast_insert(through, [{"customer_id": pk, "tag_id": vip.pk} for pk in vip_ids])
    Cadence.objects.create(tag=vip, interval_days=30, created_by=owner)
    own = rng.sample(ids, customers // 100)
    Cadence.objects.bulk_create(
        [Cadence(customer_id=pk, interval_days=rng.choice([14, 30, 60])) for pk in own]
    )
    fast_insert(
        Task,
        [
            {
                "title": f"Follow up {n}",
                "owner_id": owner.pk,
                "customer_id": rng.choice(ids) if rng.random() < 0.7 else None,
                "due_at": now + dt.timedelta(minutes=rng.randrange(-60 * 1440, 60 * 1440)),
                "priority": rng.choices([0, 1, 2, 3], weights=[2, 6, 2, 1])[0],
            }
            for n in range(OPEN_TASKS)
        ],
    )
    pipeline_create(by=owner, name="Sales")
    stage = Stage.objects.filter(is_won=False, is_lost=False).order_by("position").first()
    fast_insert(
        Deal,
        [
            {
                "title": f"Deal {n}",
                "pipeline_id": stage.pipeline_id,
                "stage_id": stage.pk,
                "customer_id": rng.choice(ids),
                "currency": "CNY",
                "amount": Decimal(rng.randrange(1000, 100000)),
                "expected_close_date": (now + dt.timedelta(days=rng.randrange(-30, 90))).date(),
                "owner_id": owner.pk,
                "stage_changed_at": now - dt.timedelta(days=rng.randrange(0, 60)),
                "updated_at": now - dt.timedelta(days=rng.randrange(0, 60)),
            }
            for n in range(OPEN_DEALS)
        ],
    )
    timings["rest_seconds"] = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "customers": customers,
        "orders": Order.objects.count(),
        "interactions": Interaction.objects.count(),
        "open_tasks": Task.objects.filter(done_at__isnull=True).count(),
        "open_deals": Deal.objects.filter(closed_at__isnull=True).count(),
        "vip_customers": len(vip_ids),
        "customer_cadences": len(own),
        "build": {k: round(v, 1) for k, v in timings.items()},
    }


MINIMAL_TEMPLATE = """<!DOCTYPE html><html><body><table>
{% for c in customers %}<tr><td>{{ c.pk }}</td><td>{{ c.name }}</td><td>{{ c.city }}</td></tr>
{% endfor %}</table></body></html>"""


def install_minimal_view() -> None:
    """A urlconf: the application's URLs plus ``/bench/minimal/``."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    from solocrm.customers.models import Customer

    template = engines["django"].from_string(MINIMAL_TEMPLATE)

    @login_required
    def minimal(request: Any) -> HttpResponse:
        customers = Customer.objects.order_by("pk")[:50]
        return HttpResponse(template.render({"customers": customers}, request))

    module = types.ModuleType("bench_today_urls")
    module.urlpatterns = [path("bench/minimal/", minimal), path("", include("solocrm.urls"))]
    sys.modules["bench_today_urls"] = module


def compare(client: Any, owner: Any, requests: int, label: str) -> dict[str, Any]:
    """Alternate requests to the Today page and the minimal view; their figures."""
    from solocrm.agenda.today import today_items

    samples: dict[str, list[float]] = {"today": [], "minimal": []}
    details: dict[str, tuple[int, int]] = {}
    for url in ("/", "/bench/minimal/"):  # warm caches and templates
        measure(client, url)
    for _n in range(requests):
        for name, url in (("today", "/"), ("minimal", "/bench/minimal/")):
            elapsed, queries, size = measure(client, url)
            samples[name].append(elapsed)
            details[name] = (queries, size)
    figures: dict[str, Any] = {}
    for name, values in samples.items():
        figures[name] = {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "queries": details[name][0],
            "bytes": details[name][1],
        }
    items = today_items(owner)
    figures["today"]["items_shown"] = len(items)
    figures["today"]["kinds_shown"] = sorted({i.kind for i in items})
    suffix = label.removeprefix("today")
    return {f"today{suffix}": figures["today"], f"minimal{suffix}": figures["minimal"]}


def main(customers: int, requests: int) -> dict[str, Any]:
    home = os.environ.get("SOLOCRM_BENCH_HOME") or tempfile.mkdtemp(prefix="solocrm-bench-today-")
    os.environ.update(SOLOCRM_HOME=home, DJANGO_SETTINGS_MODULE="solocrm.settings")
    os.environ.pop("SOLOCRM_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from solocrm.accounts.models import User
    from solocrm.accounts.services import user_create

    call_command("migrate", verbosity=0)
    owner = User.objects.filter(email="bench@example.com").first()
    if owner is None:
        owner = user_create(email="bench@example.com", password=None, role="owner")
        data = build(customers, owner)
        Path(home, "bench_today.json").write_text(json.dumps(data))
    else:
        data = json.loads(Path(home, "bench_today.json").read_text())
    install_minimal_view()
    result: dict[str, Any] = {"data": data, "requests_each": requests}
    with override_settings(ROOT_URLCONF="bench_today_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(owner)
        result.update(compare(client, owner, requests, "today"))
        # Then with no task due, so every source is read (the overdue tasks above make
        # the keep-in-touch, deal and birthday sources unable to place an item).
        from django.db import transaction
        from django.db.models import F
        from django.utils import timezone

        from solocrm.agenda.models import Task
        from solocrm.sales.models import Deal

        Task.objects.update(due_at=F("due_at") + dt.timedelta(days=120))
        try:
            result.update(compare(client, owner, requests, "today_no_tasks_due"))
            # And with no deal late or quiet either: the keep-in-touch source (10,000
            # tagged customers, 1,000 own cadences) and birthdays fill the list.
            with transaction.atomic():
                Deal.objects.update(
                    expected_close_date=dt.date.today() + dt.timedelta(days=365),
                    updated_at=timezone.now(),
                )
                result.update(compare(client, owner, requests, "today_contacts"))
                transaction.set_rollback(True)
        finally:
            Task.objects.update(due_at=F("due_at") - dt.timedelta(days=120))
    result["p95_ratio_today_to_minimal"] = round(
        result["today"]["p95_ms"] / result["minimal"]["p95_ms"], 2
    )
    result["p95_ratio_today_no_tasks_due_to_minimal"] = round(
        result["today_no_tasks_due"]["p95_ms"] / result["minimal_no_tasks_due"]["p95_ms"], 2
    )
    result["p95_ratio_today_contacts_to_minimal"] = round(
        result["today_contacts"]["p95_ms"] / result["minimal_contacts"]["p95_ms"], 2
    )
    for case in ("", "_no_tasks_due", "_contacts"):
        result[f"p50_ratio_today{case}_to_minimal"] = round(
            result[f"today{case}"]["p50_ms"] / result[f"minimal{case}"]["p50_ms"], 2
        )
    result["target_ratio"] = 5
    result["machine"] = {
        "nproc": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": connection.Database.sqlite_version,
        "platform": platform.platform(),
    }
    return result


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    outcome = main(size, runs)
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
