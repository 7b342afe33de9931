"""Helpers the customer list and search benchmarks share: fast inserts, timing, figures.

Not imported by the application or the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import threading
import time
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

BATCH = 20_000

MINIMAL_TEMPLATE = """<!DOCTYPE html><html><body><table>
{% for c in customers %}<tr><td>{{ c.pk }}</td><td>{{ c.name }}</td><td>{{ c.city }}</td></tr>
{% endfor %}</table></body></html>"""


def fast_insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of ``rows`` into ``model``'s table (defaults for missing fields).

    Triggers still fire: on SQLite the full-text index receives every row as it would
    from the application."""
    from django.db import connection, transaction

    fields = [f for f in model._meta.concrete_fields if not f.primary_key or "id" in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = "" if f.empty_strings_allowed and not f.null else None
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            values = []
            for row in rows[start : start + BATCH]:
                merged = {**defaults, **row}
                values.append([sqlite_value(merged[f.attname]) for f in fields])
            cursor.executemany(sql, values)


def sqlite_value(value: Any) -> Any:
    """What Django would store in SQLite for ``value`` (UTC text times, text decimals)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def install_minimal_view(module_name: str) -> None:
    """A urlconf ``module_name``: the application's URLs plus ``/bench/minimal/``, a
    logged-in view reading 50 customers into a small template table (the baseline)."""
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

    module = types.ModuleType(module_name)
    module.urlpatterns = [path("bench/minimal/", minimal), path("", include("solocrm.urls"))]
    sys.modules[module_name] = module


def measure(client: Any, url: str) -> tuple[float, int, int]:
    """Wall milliseconds, SQL statements and bytes of one test-client request.

    Statements are counted with an execute wrapper: Django's query capture would add a
    quoting query per statement on SQLite and penalise the page that runs more."""
    from django.db import connection

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, statements, len(response.content)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "max_ms": round(max(values), 2),
    }


def machine() -> dict[str, Any]:
    import sqlite3

    try:
        from pysqlite3 import dbapi2 as bundled

        sqlite_version = bundled.sqlite_version
    except ImportError:  # pragma: no cover - the project installs pysqlite3
        sqlite_version = sqlite3.sqlite_version
    return {
        "nproc": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite_version,
        "platform": platform.platform(),
        "processor": _cpu_model(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


class PeakMemory:
    """The child's own peak resident memory (``VmHWM`` of its address space), read from
    /proc every half second until it exits (the last reading is the peak so far)."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        # Until the child has exec'd it may still share this process's address space (a
        # vfork'ed child does), whose peak is then what VmHWM shows: wait for the exec.
        own = Path("/proc/self/cmdline").read_bytes()
        while not self.done.is_set():
            try:
                if self.path.with_name("cmdline").read_bytes() == own:
                    self.done.wait(0.01)
                    continue
                for line in self.path.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.kb = max(self.kb, int(line.split()[1]))
            except OSError:
                return
            self.done.wait(0.5)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    @property
    def mb(self) -> float:
        return self.kb / 1024
