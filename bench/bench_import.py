"""Benchmark: importing and exporting customers on a fresh SQLite database.

Makes a GBK CSV of N customers (Chinese names, mobile phones, emails, tags, birthdays,
companies, notes), then times, in one process:

- the baseline: a raw ``executemany`` insert of the same rows (each customer with its
  email and phone, the full-text triggers firing) into a copy of the freshly migrated
  database, in one transaction, with the same PRAGMAs as the application;
- reading the file;
- importing it (atomic mode, validated like the UI, one audit entry per record, rows that
  look like stored customers counted as warnings — the generated names repeat a lot and
  everyone lives in one city, so about half the rows are warned about);
- importing it again (every row a duplicate, skipped);
- exporting everyone to CSV and XLSX.

The figure to watch is ``import_to_executemany_ratio``: the import's rows per second
over the raw insert's, both measured on the same machine in the same run. CPU seconds
and SQL queries per imported row are reported too (the machine is shared, so CPU time
is the steadier figure). Writes ``bench/results/import.json``.

Run: ``.venv/bin/python bench/bench_import.py [N]`` (default 5,000 rows).
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
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULT_PATH = Path(__file__).parent / "results" / "import.json"
SEED = 20240305
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TAGS = ["VIP", "老客户", "北京", "上海", "newsletter", "展会", "转介绍"]
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)


def make_csv(rows: int) -> bytes:
    rng = random.Random(SEED)
    lines = ["客户编号,姓名,手机号,邮箱,公司,生日,标签,城市,备注"]
    for i in range(rows):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
        phone = f"{rng.choice(['138', '139', '150', '186', '177'])}{rng.randrange(10**8):08d}"
        tags = "、".join(rng.sample(TAGS, rng.randrange(0, 3)))
        birthday = f"{rng.randrange(1960, 2005)}/{rng.randrange(1, 13)}/{rng.randrange(1, 29)}"
        company = f"公司{rng.randrange(rows // 20 + 1)}"
        note = rng.choice(["", "", "喜欢绿茶", '"多行\n备注"'])
        lines.append(
            f"C{i:06d},{name},{phone},c{i}@example.com,{company},{birthday},{tags},杭州,{note}"
        )
    return ("\n".join(lines) + "\n").encode("gbk")


def raw_executemany(database: Path, data: bytes, owner_id: int) -> dict[str, float]:
    """The floor: the same rows inserted with ``executemany`` in one transaction.

    Each customer row (with a plain search text so the FTS trigger has work) and its
    email and phone rows; no parsing of values, no validation, no audit.
    """
    started = time.perf_counter()
    records = list(csv.reader(io.StringIO(data.decode("gbk"))))[1:]
    parsed = time.perf_counter()
    now = "2024-03-05 00:00:00"
    customers, emails, phones = [], [], []
    for number, (external_id, name, phone, email, _company, _b, _t, city, note) in enumerate(
        records, start=1
    ):
        search = f"{name}\n{external_id}\n{email}\n{phone}\n{note}".lower()
        customers.append(
            (number, name, external_id, city, owner_id, owner_id, owner_id, search, now, now)
        )
        emails.append((number, email))
        phones.append((number, phone, "+86" + phone))
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    insert_started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO customers_customer (id, name, external_id, city, owner_id, created_by_id,"
        " updated_by_id, search_text, created_at, updated_at, version, wechat_id, address,"
        " country, gender, source, lifecycle_stage, tier, custom_fields, consent_status,"
        " consent_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '', '', '', '', 'import',"
        " 'lead', 'potential', '{}', 'unknown', '')",
        customers,
    )
    connection.executemany(
        "INSERT INTO customers_customeremail (customer_id, email, is_primary) VALUES (?, ?, 1)",
        emails,
    )
    connection.executemany(
        "INSERT INTO customers_customerphone (customer_id, raw, e164, is_primary)"
        " VALUES (?, ?, ?, 1)",
        phones,
    )
    connection.execute("COMMIT")
    finished = time.perf_counter()
    count = connection.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
    connection.close()
    assert count == len(records), (count, len(records))
    return {
        "executemany_parse_seconds": parsed - started,
        "executemany_insert_seconds": finished - insert_started,
    }


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def main(rows: int) -> dict:
    home = tempfile.mkdtemp(prefix="solocrm-bench-import-")
    os.environ.update(SOLOCRM_HOME=home, DJANGO_SETTINGS_MODULE="solocrm.settings")
    os.environ.pop("SOLOCRM_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from solocrm.accounts.services import user_create
    from solocrm.core.context import acting_as
    from solocrm.customers.exporting import customers_export
    from solocrm.customers.importing.reading import table_read
    from solocrm.customers.importing.services import ImportOptions, import_file
    from solocrm.customers.models import Customer

    call_command("migrate", verbosity=0)
    owner = user_create(email="bench@example.com", password=None, role="owner")
    database = Path(connection.settings_dict["NAME"])
    connection.close()
    baseline_copy = Path(home) / "baseline.sqlite3"
    shutil.copy(database, baseline_copy)
    data = make_csv(rows)
    timings: dict[str, Any] = raw_executemany(baseline_copy, data, owner.pk)

    cpu_started = time.process_time()
    started = time.perf_counter()
    table = table_read(data=data, filename="bench.csv")
    timings["read_seconds"] = time.perf_counter() - started
    counter = QueryCounter()
    with acting_as(owner, "cli"), connection.execute_wrapper(counter):
        for label, mode in (("import", "atomic"), ("reimport_all_duplicates", "partial")):
            counter.count = 0
            cpu = time.process_time()
            started = time.perf_counter()
            summary = import_file(
                data=data, filename="bench.csv", by=owner, options=ImportOptions(mode=mode)
            )
            timings[f"{label}_seconds"] = time.perf_counter() - started
            timings[f"{label}_cpu_ms_per_row"] = (time.process_time() - cpu) * 1000 / rows
            timings[f"{label}_queries_per_row"] = counter.count / rows
            timings[f"{label}_counts"] = {
                k: summary.as_dict().get(k) for k in ("created", "skipped", "rejected", "warnings")
            }
        for file_format in ("csv", "xlsx"):
            started = time.perf_counter()
            export = customers_export(
                by=owner, customers=Customer.objects.all(), file_format=file_format, filters={}
            )
            timings[f"export_{file_format}_seconds"] = time.perf_counter() - started
            timings[f"export_{file_format}_bytes"] = len(export.content)
    timings["process_cpu_seconds"] = time.process_time() - cpu_started
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}
    import_rate = rows / timings["import_seconds"]
    executemany_rate = rows / timings["executemany_insert_seconds"]
    result = {
        "rows": rows,
        "file_bytes": len(data),
        "table_rows": len(table.rows),
        **figures,
        "import_rows_per_second": round(import_rate),
        "executemany_rows_per_second": round(executemany_rate),
        "import_to_executemany_ratio": round(import_rate / executemany_rate, 4),
        "reimport_rows_per_second": round(rows / timings["reimport_all_duplicates_seconds"]),
        "database": "sqlite (WAL, synchronous=FULL)",
        "machine": {
            "nproc": os.cpu_count(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
    }
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000), indent=2))
