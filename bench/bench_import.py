"""Benchmark: importing customers on a fresh SQLite database, up to a million rows.

Makes a GBK CSV of N customers (Chinese names, mobile phones, emails, tags, birthdays,
companies, notes) and times:

- the baseline: a raw ``executemany`` insert of the same rows (each customer with its
  email and phone, the full-text triggers firing) into a copy of the freshly migrated
  database, in one transaction, with the same PRAGMAs as the application;
- the import, through the real command, ``solocrm import customers FILE`` in a child
  process (atomic mode, validated like the UI, one audit entry per record, rows that
  look like stored customers counted as warnings — the generated names repeat a lot and
  everyone lives in one city, so most rows are warned about); the child's peak resident
  memory (``ru_maxrss``) and CPU time come from ``wait4``;
- importing it again (every row a duplicate, skipped; partial mode), the same way;
- up to 20,000 rows, exporting everyone to CSV and XLSX (in this process).

The figure to watch is ``import_to_executemany_ratio``: the import's rows per second
over the raw insert's, both measured on the same machine in the same run (the import's
time includes the command's start-up and reading the file). CPU milliseconds per row
are reported too (the machine is shared, so CPU time is the steadier figure). Writes
``bench/results/import.json``.

Run: ``nice .venv/bin/python bench/bench_import.py [N]`` (default 5,000 rows; a
million takes about ten minutes).
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import PeakMemory

RESULT_PATH = Path(__file__).parent / "results" / "import.json"
SEED = 20240305
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TAGS = ["VIP", "老客户", "北京", "上海", "newsletter", "展会", "转介绍"]
# The application's own (settings.SQLITE_PRAGMAS, read once Django is set up), so that
# the baseline's page cache and durability are the import's.
SQLITE_PRAGMAS: tuple[str, ...] = ()


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
    insert_cpu = time.process_time()
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
    cpu = time.process_time() - insert_cpu
    count = connection.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
    connection.close()
    assert count == len(records), (count, len(records))
    return {
        "executemany_parse_seconds": parsed - started,
        "executemany_insert_seconds": finished - insert_started,
        "executemany_insert_cpu_seconds": cpu,
    }


EXPORT_UP_TO = 20_000


def command_import(home: str, path: Path, mode: str, rows: int) -> dict[str, Any]:
    """``solocrm import customers`` in a child process: wall and CPU time, peak RSS."""
    env = {**os.environ, "SOLOCRM_HOME": home}  # the command's own limits: 2,000,000 rows
    command = [
        str(Path(sys.executable).parent / "solocrm"),
        "import",
        "customers",
        str(path),
        "--mode",
        mode,
        "--user",
        "bench@example.com",
        "--json",
    ]
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
        "counts": {k: summary[k] for k in ("created", "skipped", "rejected", "warnings")},
    }


def settings_pragmas() -> tuple[str, ...]:
    from solocrm import settings

    return settings.SQLITE_PRAGMAS


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
    from solocrm.customers.models import Customer

    global SQLITE_PRAGMAS
    SQLITE_PRAGMAS = tuple(p for p in settings_pragmas() if not p.startswith("PRAGMA busy_timeout"))
    call_command("migrate", verbosity=0)
    owner = user_create(email="bench@example.com", password=None, role="owner")
    database = Path(connection.settings_dict["NAME"])
    connection.close()
    baseline_copy = Path(home) / "baseline.sqlite3"
    shutil.copy(database, baseline_copy)
    data = make_csv(rows)
    path = Path(home) / "customers.csv"
    path.write_bytes(data)
    timings: dict[str, Any] = raw_executemany(baseline_copy, data, owner.pk)
    baseline_copy.unlink()
    del data

    for label, mode in (("import", "atomic"), ("reimport_all_duplicates", "partial")):
        measured = command_import(home, path, mode, rows)
        timings[f"{label}_seconds"] = measured["seconds"]
        timings[f"{label}_cpu_ms_per_row"] = measured["cpu_ms_per_row"]
        timings[f"{label}_peak_rss_mb"] = measured["peak_rss_mb"]
        timings[f"{label}_counts"] = measured["counts"]
    if rows <= EXPORT_UP_TO:
        with acting_as(owner, "cli"):
            for file_format in ("csv", "xlsx"):
                started = time.perf_counter()
                export = customers_export(
                    by=owner, customers=Customer.objects.all(), file_format=file_format, filters={}
                )
                timings[f"export_{file_format}_seconds"] = time.perf_counter() - started
                timings[f"export_{file_format}_bytes"] = len(export.content)
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}
    import_rate = rows / timings["import_seconds"]
    executemany_rate = rows / timings["executemany_insert_seconds"]
    with_parsing = timings["executemany_insert_seconds"] + timings["executemany_parse_seconds"]
    result = {
        "rows": rows,
        "file_bytes": path.stat().st_size,
        **figures,
        "import_rows_per_second": round(import_rate),
        "executemany_rows_per_second": round(executemany_rate),
        "import_to_executemany_ratio": round(import_rate / executemany_rate, 4),
        "import_to_executemany_cpu_ratio": round(
            timings["executemany_insert_cpu_seconds"]
            / (timings["import_cpu_ms_per_row"] * rows / 1000),
            4,
        ),
        "import_to_executemany_with_parsing_ratio": round(
            with_parsing / timings["import_seconds"], 4
        ),
        "reimport_rows_per_second": round(rows / timings["reimport_all_duplicates_seconds"]),
        "database": "sqlite (WAL, synchronous=FULL)",
        "sqlite_pragmas_both_sides": list(SQLITE_PRAGMAS),
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
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000), indent=2))
