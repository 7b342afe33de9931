"""Benchmark: the customer list page at 100,000 and then 1,000,000 customers (SQLite).

Builds realistic customers on SQLite files (WAL, synchronous=FULL, as the application
runs; see ``customer_data.py``), one database of 100,000 and one of 1,000,000, each
measured in its own process. Each measurement, in one process through Django's test
client (the whole middleware stack, templates rendered), alternates requests between the
list and ``/bench/minimal/`` (a logged-in view reading 50 customers into a small table),
so both see the same machine load:

- ``first``: ``/customers/`` as the owner (default sort, name A–Z);
- ``deep``: a keyset page in the middle of the alphabet (``?cursor=``);
- ``filtered``: ``?stage=customer&tag=VIP``;
- ``sorted``: ``?sort=-created``, and ``sorted_deep``, its page half-way down;
- ``member``: ``/customers/`` as a member limited to the customers they own (20 %).

Reports p50/p95 wall milliseconds and SQL statements per request, the ratio of each
page's p95 to the minimal view's (target ≤ 3× for the list; the p50 ratio is recorded
beside it), and the 1M / 100k ratio of each page's p95 (target ≤ 1.5). Writes
``bench/results/customer_list.json``.

Run: ``.venv/bin/python bench/bench_customer_list.py [SMALL] [LARGE] [REQUESTS]``
(defaults 100000 1000000 40; building a million customers takes 10–20 minutes on two
cores). Each database is kept in ``$SOLOCRM_BENCH_HOME-<size>`` (default
``/tmp/solocrm-bench-customers-<size>``) and reused, the million also by
``bench_search.py``. ``--build SIZE`` only builds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import install_minimal_view, machine, measure, summary

RESULT_PATH = Path(__file__).parent / "results" / "customer_list.json"
DEFAULT_HOME = "/tmp/solocrm-bench-customers"  # noqa: S108 - a benchmark scratch place
URLCONF = "bench_customer_list_urls"
TARGET_RATIO = 3
TARGET_QUERIES = 10
TARGET_GROWTH = 1.5


def bench_home(size: int) -> Path:
    """One database per size: ``$SOLOCRM_BENCH_HOME`` (or /tmp/…) plus ``-<size>``."""
    return Path(f"{os.environ.get('SOLOCRM_BENCH_HOME') or DEFAULT_HOME}-{size}")


def setup_django(size: int) -> Path:
    home = bench_home(size)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(SOLOCRM_HOME=str(home), DJANGO_SETTINGS_MODULE="solocrm.settings")
    os.environ.pop("SOLOCRM_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return home


def ensure_people() -> tuple[Any, Any, dict[str, int]]:
    from customer_data import TAGS

    from solocrm.accounts.models import User
    from solocrm.accounts.services import user_create
    from solocrm.core.tags import Tag, tag_create

    owner = User.objects.filter(email="bench-owner@example.com").first()
    if owner is None:
        owner = user_create(email="bench-owner@example.com", password=None, role="owner")
        user_create(email="bench-member@example.com", password=None, role="member")
        for name in TAGS:
            tag_create(by=owner, name=name)
    member = User.objects.get(email="bench-member@example.com")
    tag_ids = dict(Tag.objects.filter(name__in=TAGS).values_list("name", "pk"))
    return owner, member, tag_ids


def ensure_customers(home: Path, target: int) -> dict[str, Any]:
    """Grow the database to ``target`` customers; the build figures of every step."""
    from customer_data import SEED, Generator, grow

    from solocrm.customers.models import Company, Customer

    state_path = home / "bench_customers.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {"builds": {}}
    if Customer.objects.count() >= target:
        return state
    owner, member, tag_ids = ensure_people()
    generator = Generator(owner_id=owner.pk, member_id=member.pk, tag_ids=tag_ids)
    generator.companies = list(Company.objects.order_by("pk").values_list("pk", "name"))
    # The same data for the same sizes, whether built in one go or grown step by step.
    generator.rng.seed(f"{SEED}-{Customer.objects.count()}")
    started = time.perf_counter()
    timings = grow(generator, target)
    timings["total_seconds"] = round(time.perf_counter() - started, 1)
    state["builds"][str(target)] = timings
    state_path.write_text(json.dumps(state))
    return state


def middle_cursor(order: list[str]) -> str:
    """The cursor of the page that starts half-way down the live customers in ``order``."""
    from solocrm.api.pagination import _encode
    from solocrm.customers.models import Customer

    alive = Customer.objects.alive().order_by(*order)
    half = alive.count() // 2
    row = alive.values_list(*(term.lstrip("-") for term in order))[half]
    return _encode(list(row))


def measure_pages(owner: Any, member: Any, requests: int) -> dict[str, Any]:
    from django.test import Client, override_settings

    from solocrm.accounts.models import WorkspaceSettings
    from solocrm.customers.filters import sort_terms

    pages = {
        "first": (owner, "/customers/"),
        "deep": (owner, f"/customers/?cursor={middle_cursor(sort_terms('name'))}"),
        "filtered": (owner, "/customers/?stage=customer&tag=VIP"),
        "sorted": (owner, "/customers/?sort=-created"),
        "sorted_deep": (
            owner,
            f"/customers/?sort=-created&cursor={middle_cursor(sort_terms('-created'))}",
        ),
        "member": (member, "/customers/"),
    }
    clients = {}
    for user in (owner, member):
        client = Client()
        client.force_login(user)
        clients[user.pk] = client
    samples: dict[str, list[float]] = {name: [] for name in [*pages, "minimal"]}
    details: dict[str, tuple[int, int]] = {}
    settings_row = WorkspaceSettings.load()
    with override_settings(ROOT_URLCONF=URLCONF, ALLOWED_HOSTS=["testserver"]):
        try:
            WorkspaceSettings.objects.filter(pk=settings_row.pk).update(
                members_own_records_only=True
            )
            for user, url in pages.values():  # warm caches and templates
                measure(clients[user.pk], url)
            measure(clients[owner.pk], "/bench/minimal/")
            for _round in range(requests):
                for name, (user, url) in pages.items():
                    for label, who, address in (
                        (name, user, url),
                        ("minimal", owner, "/bench/minimal/"),
                    ):
                        elapsed, queries, size = measure(clients[who.pk], address)
                        samples[label].append(elapsed)
                        details[label] = (queries, size)
        finally:
            WorkspaceSettings.objects.filter(pk=settings_row.pk).update(
                members_own_records_only=settings_row.members_own_records_only
            )
    figures: dict[str, Any] = {}
    for name, values in samples.items():
        figures[name] = {
            **summary(values),
            "queries": details[name][0],
            "bytes": details[name][1],
            "requests": len(values),
        }
    for name in pages:
        figures[name]["p95_ratio_to_minimal"] = round(
            figures[name]["p95_ms"] / figures["minimal"]["p95_ms"], 2
        )
        # Recorded beside the target's p95: on a shared machine the median moves less.
        figures[name]["p50_ratio_to_minimal"] = round(
            figures[name]["p50_ms"] / figures["minimal"]["p50_ms"], 2
        )
    figures["pages"] = {name: url for name, (_user, url) in pages.items()}
    return figures


def measure_one(size: int, requests: int) -> dict[str, Any]:
    """Build (or reuse) the database of ``size`` customers and measure its pages."""
    home = setup_django(size)
    from django.db import connection

    from solocrm.customers.models import Customer

    install_minimal_view(URLCONF)
    state = ensure_customers(home, size)
    owner, member, _tags = ensure_people()
    run = {
        "customers": Customer.objects.count(),
        "alive": Customer.objects.alive().count(),
        "member_owns": Customer.objects.alive().filter(owner=member).count(),
        "build": state["builds"].get(str(size)),
        "database_bytes": os.path.getsize(connection.settings_dict["NAME"]),
        "machine_before": machine(),
        "pages": measure_pages(owner, member, requests),
    }
    run["machine_after"] = machine()
    return run


def main(small: int, large: int, requests: int) -> dict[str, Any]:
    """Each size in its own process and database, then the figures side by side."""
    result: dict[str, Any] = {"requests_each": requests, "runs": {}}
    for size in (small, large):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [sys.executable, __file__, "--one", str(size), str(requests), out.name],
                check=True,
            )
            result["runs"][str(size)] = json.loads(Path(out.name).read_text())
    pages_small = result["runs"][str(small)]["pages"]
    pages_large = result["runs"][str(large)]["pages"]
    result["growth_p95_large_to_small"] = {
        name: round(pages_large[name]["p95_ms"] / pages_small[name]["p95_ms"], 2)
        for name in pages_large["pages"]
    }
    result["targets"] = {
        "p95_ratio_to_minimal": TARGET_RATIO,
        "queries": TARGET_QUERIES,
        "growth_p95_large_to_small": TARGET_GROWTH,
    }
    result["machine"] = machine()
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:  # only build: --build SIZE
        built_home = setup_django(int(sys.argv[2]))
        print(ensure_customers(built_home, int(sys.argv[2])))
    elif sys.argv[1:2] == ["--one"]:  # one size: --one SIZE REQUESTS OUT
        one = measure_one(int(sys.argv[2]), int(sys.argv[3]))
        Path(sys.argv[4]).write_text(json.dumps(one, ensure_ascii=False))
    else:
        small_size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
        large_size = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
        runs = int(sys.argv[3]) if len(sys.argv) > 3 else 40
        outcome = main(small_size, large_size, runs)
        RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
        RESULT_PATH.write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(outcome, indent=2, ensure_ascii=False))
