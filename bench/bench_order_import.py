"""Benchmark: importing orders into a database that already holds a million of them.

Builds, on a fresh SQLite file (WAL, synchronous=FULL, as the application runs),
100,000 customers (each with an email, a mobile phone and an external ID; the full-text
triggers fire), the demo's 18 products and 1,000,000 orders with a line each. The
bulk rows go in with ``executemany`` straight into the tables: what matters is the
data's size, not how it got in.

Then it makes a CSV of N orders (default 25,000) of two lines each (one row per line,
the order's fields on its first row), the customer named by email, phone or external
ID in turn, and times:

- the baseline: a raw ``executemany`` of the same order and line rows into a copy of
  the database, in one transaction with the same PRAGMAs (customers found with three
  dictionaries, totals in Decimal, no validation, no audit);
- the import, through the real command, ``solocrm import orders FILE`` in a child
  process (reading, mapping, validation, customers matched by the customers' import
  rules, totals in Decimal, one audit entry per order, atomic mode), whose peak
  resident memory and CPU time come from ``wait4``;
- the same file again (every order a duplicate, skipped).

Both rates are rows of the file per second; the target is import ≥ 0.2 × executemany.
Writes ``bench/results/order_import.json``.

Run: ``nice .venv/bin/python bench/bench_order_import.py [ORDERS] [CUSTOMERS]
[EXISTING_ORDERS]`` (defaults 25000 100000 1000000; about five minutes).

With ``SOLOCRM_BENCH_HOME=DIR`` the built database (before any import) and the CSV are
kept in DIR (``pristine.sqlite3``, ``orders.csv``) and reused by the next run with the
same sizes, which then skips the build (its build timings are then absent); handy to
profile the import: ``cp DIR/pristine.sqlite3 H/solocrm.sqlite3; cp DIR/secret_key H/``
then ``SOLOCRM_HOME=H solocrm import orders DIR/orders.csv --user bench@example.com``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import PeakMemory

RESULT_PATH = Path(__file__).parent / "results" / "order_import.json"
SEED = 20251128
NOW = "2025-07-01 00:00:00"
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON")
CHUNK = 100_000


def _filler(declared: str) -> Any:
    declared = declared.lower()
    if "char" in declared or "text" in declared:
        return ""
    if "datetime" in declared or declared == "date":
        return NOW if "datetime" in declared else NOW[:10]
    return 0


def table_insert(connection: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of ``rows``; other NOT NULL columns without a default get a
    filler ('' for text, 0 for numbers, NOW for dates)."""
    columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
    names = [c[1] for c in columns if c[1] != "id"]
    fillers = {c[1]: _filler(c[2]) if c[3] else None for c in columns}
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - the schema's own names
        f"VALUES ({', '.join('?' * len(names))})"
    )
    connection.executemany(sql, ([row.get(n, fillers[n]) for n in names] for row in rows))


def build(database: Path, owner_id: int, customers: int, orders: int) -> dict[str, float]:
    """The customers and the existing orders, in a few big transactions."""
    rng = random.Random(SEED)
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    started = time.perf_counter()
    people = {"owner_id": owner_id, "created_by_id": owner_id, "updated_by_id": owner_id}
    connection.execute("BEGIN")
    table_insert(
        connection,
        "customers_customer",
        [
            {
                **people,
                "name": f"客户{i:06d}",
                "external_id": f"K{i:06d}",
                "search_text": f"客户{i:06d}\nk{i:06d}\nc{i}@example.com\n1380{i:07d}",
                "custom_fields": "{}",
                "source": "import",
                "version": 1,
            }
            for i in range(customers)
        ],
    )
    ids = [pk for (pk,) in connection.execute("SELECT id FROM customers_customer ORDER BY id")]
    table_insert(
        connection,
        "customers_customeremail",
        [
            {"customer_id": pk, "email": f"c{i}@example.com", "is_primary": 1}
            for i, pk in enumerate(ids)
        ],
    )
    table_insert(
        connection,
        "customers_customerphone",
        [
            {"customer_id": pk, "raw": f"1380{i:07d}", "e164": f"+861380{i:07d}", "is_primary": 1}
            for i, pk in enumerate(ids)
        ],
    )
    connection.execute("COMMIT")
    customers_done = time.perf_counter()
    products = connection.execute("SELECT id, sku, unit_price FROM sales_product").fetchall()
    for start in range(0, orders, CHUNK):
        count = min(CHUNK, orders - start)
        connection.execute("BEGIN")
        table_insert(
            connection,
            "sales_order",
            [
                {
                    **people,
                    "customer_id": rng.choice(ids),
                    "number": f"B{n:08d}",
                    "ordered_at": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    "currency": "CNY",
                    "status": "paid",
                    "channel": "online",
                    "subtotal": "100.00",
                    "discount_total": "0",
                    "total": "100.00",
                    "refunded_amount": "0",
                    "version": 1,
                }
                for n in range(start, start + count)
            ],
        )
        first = connection.execute(
            "SELECT id FROM sales_order WHERE number = ?", (f"B{start:08d}",)
        ).fetchone()[0]
        lines = []
        for order_id in range(first, first + count):
            product_id, sku, price = rng.choice(products)
            lines.append(
                {
                    "order_id": order_id,
                    "position": 1,
                    "product_id": product_id,
                    "description": sku,
                    "quantity": 1,
                    "unit_price": str(price),
                    "discount": "0",
                    "line_total": str(price),
                }
            )
        table_insert(connection, "sales_orderline", lines)
        connection.execute("COMMIT")
    finished = time.perf_counter()
    connection.close()
    return {
        "build_customers_seconds": customers_done - started,
        "build_orders_seconds": finished - customers_done,
    }


def make_orders_csv(orders: int, customers: int, products: list[Any]) -> bytes:
    """Two lines an order; the customer by email, phone or external ID in turn."""
    rng = random.Random(SEED + 1)
    lines = ["订单号,下单时间,邮箱,手机,客户编号,SKU,数量,单价,折扣,状态,渠道"]
    for n in range(orders):
        who = rng.randrange(customers)
        key = [f"c{who}@example.com", "", ""]
        if n % 3 == 1:
            key = ["", f"1380{who:07d}", ""]
        elif n % 3 == 2:
            key = ["", "", f"K{who:06d}"]
        moment = f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 10:{n % 60:02d}"
        for position in range(2):
            sku, price = rng.choice(products)
            quantity = rng.choice([1, 1, 2, 3])
            discount = "5.00" if rng.random() < 0.1 else ""
            first = position == 0
            cells = [
                f"IMP{n:07d}",
                moment if first else "",
                *(key if first else ["", "", ""]),
                sku,
                str(quantity),
                price,
                discount,
                "paid" if first else "",
                "online" if first else "",
            ]
            lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def raw_executemany(database: Path, data: bytes, owner_id: int) -> dict[str, float]:
    """The floor: the file's orders and lines inserted with ``executemany`` in one
    transaction — parsed with ``csv``, summed with Decimal, no validation, no audit."""
    started = time.perf_counter()
    records = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    by_email = dict(connection.execute("SELECT email, customer_id FROM customers_customeremail"))
    by_phone = dict(connection.execute("SELECT raw, customer_id FROM customers_customerphone"))
    by_key = dict(connection.execute("SELECT external_id, id FROM customers_customer"))
    products = {sku: pk for pk, sku in connection.execute("SELECT id, sku FROM sales_product")}
    orders: dict[str, list[Any]] = {}
    lines = []
    for (
        number,
        moment,
        email,
        phone,
        key,
        sku,
        quantity,
        price,
        discount,
        status,
        channel,
    ) in records:
        if number not in orders:
            customer = by_email.get(email) or by_phone.get(phone) or by_key[key]
            orders[number] = [customer, number, moment, channel, status, Decimal(0), Decimal(0)]
        gross = Decimal(quantity) * Decimal(price)
        cut = Decimal(discount or 0)
        orders[number][5] += gross
        orders[number][6] += cut
        lines.append((number, products[sku], sku, quantity, price, str(cut), str(gross - cut)))
    order_rows = [
        (c, n, m, ch, s, "CNY", str(sub), str(d), str(sub - d), owner_id, owner_id, owner_id)
        for c, n, m, ch, s, sub, d in orders.values()
    ]
    parsed = time.perf_counter()
    insert_cpu = time.process_time()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO sales_order (customer_id, number, ordered_at, channel, status, currency,"
        " subtotal, discount_total, total, owner_id, created_by_id, updated_by_id, created_at,"
        " updated_at, refunded_amount, notes, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, 0, '', 1)",
        [(*row, NOW, NOW) for row in order_rows],
    )
    ids = dict(connection.execute("SELECT number, id FROM sales_order WHERE number LIKE 'IMP%'"))
    connection.executemany(
        "INSERT INTO sales_orderline (order_id, position, product_id, description, quantity,"
        " unit_price, discount, line_total) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
        [(ids[number], *rest) for number, *rest in lines],
    )
    connection.execute("COMMIT")
    finished = time.perf_counter()
    cpu = time.process_time() - insert_cpu
    connection.close()
    return {
        "executemany_insert_cpu_seconds": cpu,
        "executemany_parse_seconds": parsed - started,
        "executemany_insert_seconds": finished - parsed,
    }


def command_import(home: str, path: Path, rows: int) -> dict[str, Any]:
    """``solocrm import orders`` in a child process: wall and CPU time, peak RSS."""
    env = {**os.environ, "SOLOCRM_HOME": home}  # the command's own limits: 2,000,000 rows
    command = [str(Path(sys.executable).parent / "solocrm"), "import", "orders", str(path)]
    command += ["--user", "bench@example.com", "--json"]
    started = time.perf_counter()
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as child:
        peak = PeakMemory(child.pid)
        output = child.stdout.read() if child.stdout else ""
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        peak.stop()
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 1):
        raise RuntimeError(f"the import failed ({child.returncode}): {output[-2000:]}")
    summary = json.loads(output)
    return {
        "seconds": seconds,
        "cpu_ms_per_row": (usage.ru_utime + usage.ru_stime) * 1000 / rows,
        # Not ru_maxrss: Linux carries the parent's high-water mark into a vfork'ed
        # child's ru_maxrss across exec (the baseline makes this parent 1.6 GB).
        "peak_rss_mb": peak.mb,
        "counts": {k: summary[k] for k in ("rows", "created", "skipped", "rejected")},
    }


def main(orders: int, customers: int, existing: int) -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="solocrm-bench-orders-")
    keep = os.environ.get("SOLOCRM_BENCH_HOME")
    kept = Path(keep) / f"pristine-{customers}-{existing}.sqlite3" if keep else None
    if kept is not None and kept.exists():
        shutil.copy(kept, Path(home) / "solocrm.sqlite3")
        shutil.copy(kept.parent / "secret_key", Path(home) / "secret_key")
    os.environ.update(SOLOCRM_HOME=home, DJANGO_SETTINGS_MODULE="solocrm.settings")
    os.environ.pop("SOLOCRM_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from solocrm.accounts.models import User
    from solocrm.accounts.services import user_create
    from solocrm.sales.demo import PRODUCTS
    from solocrm.sales.models import Product

    call_command("migrate", verbosity=0)
    database = Path(connection.settings_dict["NAME"])
    timings: dict[str, Any] = {}
    if kept is not None and kept.exists():
        owner = User.objects.get(email="bench@example.com")
        connection.close()
    else:
        owner = user_create(email="bench@example.com", password=None, role="owner")
        Product.objects.bulk_create(
            Product(
                sku=sku, name=name, category=category, unit_price=Decimal(price), currency="CNY"
            )
            for sku, name, category, price in PRODUCTS
        )
        connection.close()
        timings = build(database, owner.pk, customers, existing)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(database, kept)
            shutil.copy(Path(home) / "secret_key", kept.parent / "secret_key")
    data = make_orders_csv(orders, customers, [(p[0], p[3]) for p in PRODUCTS])
    rows = data.count(b"\n") - 1
    path = Path(home) / "orders.csv"
    path.write_bytes(data)
    if kept is not None:
        (kept.parent / "orders.csv").write_bytes(data)
    copy = Path(home) / "baseline.sqlite3"
    shutil.copy(database, copy)
    timings.update(raw_executemany(copy, data, owner.pk))
    copy.unlink()
    for label in ("import", "reimport_all_duplicates"):
        measured = command_import(home, path, rows)
        timings[f"{label}_seconds"] = measured["seconds"]
        timings[f"{label}_cpu_ms_per_row"] = measured["cpu_ms_per_row"]
        timings[f"{label}_peak_rss_mb"] = measured["peak_rss_mb"]
        timings[f"{label}_counts"] = measured["counts"]
    import_rate = rows / timings["import_seconds"]
    insert_rate = rows / timings["executemany_insert_seconds"]
    both_rate = rows / (
        timings["executemany_insert_seconds"] + timings["executemany_parse_seconds"]
    )
    result = {
        "file_rows": rows,
        "orders": orders,
        "customers": customers,
        "existing_orders": existing,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()},
        "import_rows_per_second": round(import_rate),
        "executemany_rows_per_second": round(insert_rate),
        "executemany_with_parsing_rows_per_second": round(both_rate),
        "import_to_executemany_ratio": round(import_rate / insert_rate, 4),
        "import_to_executemany_with_parsing_ratio": round(import_rate / both_rate, 4),
        "import_to_executemany_cpu_ratio": round(
            timings["executemany_insert_cpu_seconds"]
            / (timings["import_cpu_ms_per_row"] * rows / 1000),
            4,
        ),
        "target_ratio": 0.2,
        "database": "sqlite (WAL, synchronous=FULL)",
        "machine": {
            "nproc": os.cpu_count(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
    }
    shutil.rmtree(home, ignore_errors=True)
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    defaults = [25_000, 100_000, 1_000_000]
    print(json.dumps(main(*(arguments + defaults[len(arguments) :])), indent=2))
