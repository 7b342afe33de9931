"""``solocrm import``: exit status, --json, --report, --mapping, --dry-run."""

from __future__ import annotations

import csv
import importlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from solocrm.core.context import acting_as
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.models import Company, Customer

GOOD = "姓名,手机,邮箱\n张伟,13800138000,zw@example.com\n李娜,13900139000,ln@example.com\n"
ONE_BAD = GOOD + "赵六,12345,zl@example.com\n"


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the command as ``solocrm import ...`` does; return (exit status, stdout, stderr).

    Like ``BaseCommand.run_from_argv`` but without closing the test's database connection.
    """
    out, err = io.StringIO(), io.StringIO()
    module = importlib.import_module("solocrm.customers.management.commands.import")
    command = module.Command(stdout=out, stderr=err)
    command._called_from_command_line = True  # argparse errors exit 2, as in the shell
    try:
        options = vars(command.create_parser("solocrm", "import").parse_args(args))
        command.execute(*options.pop("args", ()), **options)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    except CommandError as exc:
        err.write(f"CommandError: {exc}")
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return str(path)

    return write


def test_clean_file_exits_zero_and_says_what_happened(owner, files):
    status, out, err = run_cli("customers", files("c.csv", GOOD, "gbk"))
    assert status == 0, err
    assert out.splitlines()[0] == "c.csv: 2 rows — 2 created, 0 updated, 0 skipped, 0 rejected."
    assert Customer.objects.count() == 2


def test_rejected_rows_exit_one_and_the_report_lists_them(owner, files, tmp_path):
    report = tmp_path / "out" / "report.csv"
    report.parent.mkdir()
    status, _out, err = run_cli(
        "customers", files("c.csv", ONE_BAD), "--mode", "partial", "--report", str(report)
    )
    assert status == 1
    assert "line 4, 手机:" in err
    assert Customer.objects.count() == 2
    content = report.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["line", "column", "value", "reason"]
    assert rows[1][:3] == ["4", "手机", "12345"]
    assert len(rows) == 2


def test_atomic_rejection_writes_nothing_and_reports_next_to_the_file(owner, files, tmp_path):
    status, out, _err = run_cli("customers", files("c.csv", ONE_BAD))
    assert status == 1
    assert "2 would be created" in out
    assert "Nothing was written (atomic mode)" in out
    assert (tmp_path / "c.report.csv").exists()
    assert Customer.objects.count() == 0


def test_json_prints_counts_and_report_path(owner, files, tmp_path):
    status, out, _err = run_cli("customers", files("c.csv", ONE_BAD), "--json")
    assert status == 1
    summary = json.loads(out)
    assert {k: summary[k] for k in ("rows", "created", "updated", "skipped", "rejected")} == {
        "rows": 3,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "rejected": 1,
    }
    assert summary["written"] is False
    assert summary["report"] == str(tmp_path / "c.report.csv")
    assert summary["mapping"] == {"姓名": "name", "手机": "phones", "邮箱": "emails"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x9f\x92\x96" * 64, "binary"), (b"Name\n", "no data rows")],
)
def test_refused_file_exits_three_with_the_reason(owner, files, content, message):
    status, out, err = run_cli("customers", files("c.csv", content), "--json")
    assert status == 3
    assert message in json.loads(out)["refused"]
    assert message in err


def test_missing_file_and_bad_mapping_exit_three(owner, files):
    assert run_cli("customers", "/nonexistent/c.csv")[0] == 3
    assert run_cli("customers", files("c.csv", GOOD), "--mapping", files("m.json", "{"))[0] == 3


def test_wrong_arguments_exit_two(owner, files):
    assert run_cli("people", files("c.csv", GOOD))[0] == 2
    assert run_cli("customers", files("c.csv", GOOD), "--mode", "sometimes")[0] == 2


def test_rerun_is_idempotent_and_update_mode_applies_changes(owner, files):
    path = files("c.csv", GOOD)
    assert run_cli("customers", path)[0] == 0
    status, out, _err = run_cli("customers", path, "--json")
    assert status == 0
    assert json.loads(out)["skipped"] == 2
    changed = files("c2.csv", "姓名,手机,城市\n张伟,13800138000,杭州\n")
    status, out, _err = run_cli("customers", changed, "--on-duplicate", "update", "--json")
    assert (status, json.loads(out)["updated"]) == (0, 1)
    assert Customer.objects.get(name="张伟").city == "杭州"
    assert Customer.objects.count() == 2


def test_mapping_file_overrides_suggestions(owner, files):
    mapping = files("m.json", json.dumps({"Who": "name", "手机": ""}))
    status, _out, err = run_cli(
        "customers", files("c.csv", "Who,手机\nAnn,garbage\n"), "--mapping", mapping
    )
    assert status == 0, err
    customer = Customer.objects.get()
    assert (customer.name, customer.phones.count()) == ("Ann", 0)


def test_dry_run_writes_nothing(owner, files):
    status, out, _err = run_cli("customers", files("c.csv", GOOD), "--dry-run")
    assert status == 0
    assert "Dry run: nothing was written." in out
    assert Customer.objects.count() == 0


def test_companies_and_user_option(owner, member, files):
    status, _out, err = run_cli(
        "companies", files("co.csv", "公司名称,行业\n星光设计,设计\n"), "--user", member.email
    )
    assert status == 0, err
    assert Company.objects.get().owner == member
    with pytest.raises(CommandError, match="No active user"):
        call_command("import", "companies", files("co2.csv", GOOD), user="nobody@example.com")


def test_the_command_reads_more_rows_than_an_upload_may_have(owner, files, monkeypatch):
    monkeypatch.setenv("SOLOCRM_IMPORT_MAX_ROWS", "1")  # the web's limit
    path = files("c.csv", GOOD, "gbk")
    with open(path, "rb") as handle, acting_as(owner, "ui"):
        uploaded = import_file(
            data=handle.read(), filename="c.csv", by=owner, options=ImportOptions()
        )
    assert uploaded.refused == "The file has more than 1 data rows; split it into smaller files."
    status, _out, err = run_cli("customers", path)
    assert status == 0, err
    assert Customer.objects.count() == 2
    monkeypatch.setenv("SOLOCRM_CLI_IMPORT_MAX_ROWS", "1")
    status, _out, err = run_cli("customers", files("d.csv", GOOD, "gbk"))
    assert status == 3 and "more than 1 data rows" in err


def test_a_long_file_is_read_again_from_disk_not_kept(owner, files, monkeypatch, tmp_path):
    """The command passes the file's path: past LAZY_ROWS the rows are decoded again
    from the file (GBK, with its BOM-less bytes), and every row is imported."""
    from solocrm.customers.importing import csv_reading
    from solocrm.customers.importing.reading import table_read
    from solocrm.customers.importing.table import LazyRows

    monkeypatch.setattr(csv_reading, "LAZY_ROWS", 2)
    rows = "".join(f"客户{i},1380013{i:04d},c{i}@example.com\n" for i in range(7))
    path = files("long.csv", "姓名,手机,邮箱\n" + rows, "gbk")
    status, out, err = run_cli("customers", path, "--json")
    assert status == 0, err
    assert json.loads(out)["created"] == 7
    assert sorted(Customer.objects.values_list("name", flat=True)) == [f"客户{i}" for i in range(7)]

    # Changed on disk after it was read: its rows are refused, not mixed.
    table = table_read(
        data=(tmp_path / "long.csv").read_bytes(), filename="long.csv", path=tmp_path / "long.csv"
    )
    assert isinstance(table.rows, LazyRows) and len(table.rows) == 7
    assert [row.cells[0] for row in table.rows][-1] == "客户6"
    with open(path, "ab") as handle:
        handle.write("新来的,13800000000,x@example.com\n".encode("gbk"))
    with pytest.raises(FileRefused, match="changed while it was being imported"):
        list(table.rows)
