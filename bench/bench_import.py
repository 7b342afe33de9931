"""Benchmark: importing and exporting customers on a fresh SQLite database.

Makes a GBK CSV of N customers (Chinese names, mobile phones, emails, tags, birthdays,
companies, notes), then times: reading the file; importing it (atomic mode, through the
customer services, one audit entry per record); importing it again (every row a
duplicate, skipped); and exporting everyone to CSV and XLSX. Writes
``bench/results/import.json``.

Run: ``.venv/bin/python bench/bench_import.py [N]`` (default 5,000 rows).
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

RESULT_PATH = Path(__file__).parent / "results" / "import.json"
SEED = 20240305
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TAGS = ["VIP", "老客户", "北京", "上海", "newsletter", "展会", "转介绍"]


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


def main(rows: int) -> dict:
    home = tempfile.mkdtemp(prefix="solocrm-bench-import-")
    os.environ.update(SOLOCRM_HOME=home, DJANGO_SETTINGS_MODULE="solocrm.settings")
    os.environ.pop("SOLOCRM_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from solocrm.accounts.services import user_create
    from solocrm.core.context import acting_as
    from solocrm.customers.exporting import customers_export
    from solocrm.customers.importing.reading import table_read
    from solocrm.customers.importing.services import ImportOptions, import_file
    from solocrm.customers.models import Customer

    call_command("migrate", verbosity=0)
    cpu_started = time.process_time()
    owner = user_create(email="bench@example.com", password=None, role="owner")
    data = make_csv(rows)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    table = table_read(data=data, filename="bench.csv")
    timings["read_seconds"] = time.perf_counter() - started
    with acting_as(owner, "cli"):
        for label, mode in (("import", "atomic"), ("reimport_all_duplicates", "partial")):
            started = time.perf_counter()
            summary = import_file(
                data=data, filename="bench.csv", by=owner, options=ImportOptions(mode=mode)
            )
            timings[f"{label}_seconds"] = time.perf_counter() - started
            timings[f"{label}_counts"] = {
                k: summary.as_dict()[k] for k in ("created", "skipped", "rejected")
            }
        for file_format in ("csv", "xlsx"):
            started = time.perf_counter()
            export = customers_export(
                by=owner, customers=Customer.objects.all(), file_format=file_format, filters={}
            )
            timings[f"export_{file_format}_seconds"] = time.perf_counter() - started
            timings[f"export_{file_format}_bytes"] = len(export.content)
    timings["process_cpu_seconds"] = time.process_time() - cpu_started
    seconds = {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}
    result = {
        "rows": rows,
        "file_bytes": len(data),
        "table_rows": len(table.rows),
        **seconds,
        "import_rows_per_second": round(rows / timings["import_seconds"]),
        "reimport_rows_per_second": round(rows / timings["reimport_all_duplicates_seconds"]),
        "database": "sqlite (WAL, synchronous=FULL)",
        "machine": {
            "nproc": os.cpu_count(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000), indent=2))
