"""Benchmark: the deals board on a big SQLite database, against a minimal Django view.

Builds, on a fresh SQLite file (WAL, synchronous=FULL, as the application runs),
N customers (default 100,000; the first 10,000 with an email), 18 products, 10 × N
orders with a line each (default 1,000,000) and D deals (default 20,000) spread over
the default pipeline's six stages. Bulk rows go in with ``executemany``: the data's size
is what matters for the board, not how it got in.

Then times the **deals board** ``/sales/`` (the whole middleware stack, a logged-in
owner, templates rendered, the first cards of every stage, counts and sums over every
deal) against ``/bench/minimal/``, a view reading 50 customers into a small template
table. Requests alternate so both see the same machine load; p50/p95 wall
milliseconds, queries per request, the ratio of the p95s (target: at most 5×).

Writes ``bench/results/sales.json``. (The order import has its own benchmark.)

Run: ``.venv/bin/python bench/bench_sales.py [CUSTOMERS] [DEALS] [REQUESTS]``
(defaults 100000 20000 40). ``SOLOCRM_BENCH_HOME=<dir>`` keeps the database there and
reuses it when it already holds the data.
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

from _common import fast_insert

RESULT_PATH = Path(__file__).parent / "results" / "sales.json"
SEED = 20250630
EMAILS = 10_000


def build_customers(customers: int, owner: Any, rng: random.Random) -> list[int]:
    from solocrm.customers.models import Customer, CustomerEmail

    fast_insert(
        Customer,
        [
            {"name": f"客户{i:06d}", "owner_id": owner.pk, "search_text": f"客户{i:06d}"}
            for i in range(customers)
        ],
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    fast_insert(
        CustomerEmail,
        [
            {"customer_id": pk, "email": f"c{n}@example.com", "is_primary": True}
            for n, pk in enumerate(ids[:EMAILS])
        ],
    )
    return ids


def build_products(owner: Any) -> list[Any]:
    from solocrm.sales.demo import PRODUCTS
    from solocrm.sales.models import Product

    Product.objects.bulk_create(
        Product(sku=sku, name=name, category=category, unit_price=Decimal(price), currency="CNY")
        for sku, name, category, price in PRODUCTS
    )
    return list(Product.objects.order_by("pk"))


def build_board_data(
    ids: list[int], orders: int, deals: int, owner: Any, rng: random.Random
) -> dict:
    from django.db import connection
    from django.utils import timezone

    from solocrm.sales.models import Deal, DealStageChange, Order, OrderLine
    from solocrm.sales.services.pipelines import pipeline_create

    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, orders, 200_000):
        count = min(200_000, orders - start)
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
                for n in range(start, start + count)
            ],
        )
        first = Order.objects.filter(number=f"B{start:08d}").values_list("pk", flat=True).get()
        fast_insert(
            OrderLine,
            [
                {
                    "order_id": pk,
                    "position": 1,
                    "description": "Tea",
                    "quantity": Decimal(1),
                    "unit_price": Decimal("100.00"),
                    "line_total": Decimal("100.00"),
                }
                for pk in range(first, first + count)
            ],
        )
    orders_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pipeline = pipeline_create(by=owner, name="Sales")
    stages = list(pipeline.stages.order_by("position"))
    weights = [30, 20, 15, 10, 15, 10]
    chosen = rng.choices(stages, weights=weights, k=deals)
    fast_insert(
        Deal,
        [
            {
                "title": f"Deal {n}",
                "pipeline_id": pipeline.pk,
                "stage_id": stage.pk,
                "customer_id": rng.choice(ids),
                "currency": "CNY",
                "amount": Decimal(rng.randrange(1000, 100000)),
                "expected_close_date": (now + dt.timedelta(days=rng.randrange(-30, 120))).date(),
                "owner_id": owner.pk,
                "stage_changed_at": now - dt.timedelta(days=rng.randrange(0, 60)),
                "closed_at": now - dt.timedelta(days=rng.randrange(0, 365))
                if stage.is_won or stage.is_lost
                else None,
            }
            for n, stage in enumerate(chosen)
        ],
    )
    deal_ids = list(Deal.objects.order_by("pk").values_list("pk", "stage_id"))
    fast_insert(
        DealStageChange,
        [
            {"deal_id": pk, "to_stage_id": stage_id, "changed_at": now, "changed_by_id": owner.pk}
            for pk, stage_id in deal_ids
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "orders": Order.objects.count(),
        "deals": Deal.objects.count(),
        "open_deals": Deal.objects.filter(closed_at__isnull=True).count(),
        "build_seconds": {
            "orders": round(orders_seconds, 1),
            "deals": round(time.perf_counter() - started, 1),
        },
    }


MINIMAL_TEMPLATE = """<!DOCTYPE html><html><body><table>
{% for c in customers %}<tr><td>{{ c.pk }}</td><td>{{ c.name }}</td><td>{{ c.city }}</td></tr>
{% endfor %}</table></body></html>"""


def install_minimal_view() -> None:
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

    module = types.ModuleType("bench_sales_urls")
    module.urlpatterns = [path("bench/minimal/", minimal), path("", include("solocrm.urls"))]
    sys.modules["bench_sales_urls"] = module


def measure(client: Any, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries), len(response.content)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(customers: int, deals: int, requests: int) -> dict[str, Any]:
    home = os.environ.get("SOLOCRM_BENCH_HOME") or tempfile.mkdtemp(prefix="solocrm-bench-sales-")
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
    saved = Path(home, "bench_sales.json")
    if owner is None:
        owner = user_create(email="bench@example.com", password=None, role="owner")
        rng = random.Random(SEED)
        started = time.perf_counter()
        ids = build_customers(customers, owner, rng)
        build_products(owner)
        customers_seconds = time.perf_counter() - started
        data = build_board_data(ids, 10 * customers, deals, owner, rng)
        data["customers"] = customers
        data["build_seconds"]["customers"] = round(customers_seconds, 1)
        saved.write_text(json.dumps(data))
    else:
        data = json.loads(saved.read_text())
    result: dict[str, Any] = {"data": data}
    install_minimal_view()
    samples: dict[str, list[float]] = {"board": [], "minimal": []}
    details: dict[str, tuple[int, int]] = {}
    with override_settings(ROOT_URLCONF="bench_sales_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(owner)
        for url in ("/sales/", "/bench/minimal/"):
            measure(client, url)
        for _n in range(requests):
            for name, url in (("board", "/sales/"), ("minimal", "/bench/minimal/")):
                elapsed, queries, size = measure(client, url)
                samples[name].append(elapsed)
                details[name] = (queries, size)
    result["requests_each"] = requests
    for name, values in samples.items():
        result[name] = {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "queries": details[name][0],
            "bytes": details[name][1],
        }
    result["p95_ratio_board_to_minimal"] = round(
        result["board"]["p95_ms"] / result["minimal"]["p95_ms"], 2
    )
    result["target_ratio"] = 5
    result["machine"] = {
        "nproc": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": connection.Database.sqlite_version,  # the library Django uses
        "platform": platform.platform(),
    }
    return result


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    defaults = [100_000, 20_000, 40]
    outcome = main(*(arguments + defaults[len(arguments) :]))
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
