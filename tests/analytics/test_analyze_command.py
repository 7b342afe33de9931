"""``solocrm analyze`` end to end; no test here may touch the database."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from tests.analytics.cdnow import CDNOW_PATH
from tests.analytics.shop import shop_transactions

SOLOCRM = Path(sys.executable).with_name("solocrm")
SHOP_COLUMNS = ["--customer-col", "客户", "--date-col", "下单时间", "--amount-col", "金额"]


def _analyze(*args: str) -> str:
    out = io.StringIO()
    call_command("analyze", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def cdnow_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("cdnow")
    stdout = _analyze(
        str(CDNOW_PATH),
        "--sep", "whitespace",
        "--no-header",
        "--customer-col", "0",
        "--date-col", "2",
        "--amount-col", "4",
        "--period", "week",
        "--observation-end", "1998-06-30",
        "--holdout-start", "1997-10-01",
        "--out", str(out),
    )  # fmt: skip
    return out, stdout


def _shop_export(path: Path) -> Path:
    """The synthetic shop as a Chinese shop export: GBK, ￥ amounts with thousands
    separators, slashed dates with minutes, a refund and a refund-only customer."""
    log = shop_transactions()
    lines = ["客户,下单时间,金额"]
    for customer, stamp, amount in log.itertuples(index=False):
        lines.append(f'顾客{customer},{stamp:%Y/%m/%d %H:%M},"￥{amount * 10:,.2f}"')
    lines.append('顾客c000,2024/03/05 14:22,"-￥5.00"')
    lines.append('退货客户,2024/06/01 10:00,"-￥1,234.50"')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_cdnow_summary_json(cdnow_out):
    out, _ = cdnow_out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    bgnbd = summary["bgnbd"]
    for name, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert bgnbd[name] == pytest.approx(value, rel=0.005), name
    assert bgnbd["log_likelihood"] == pytest.approx(-9582.4, abs=0.5)
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert summary["gamma_gamma"][name] == pytest.approx(value, rel=0.01), name
    holdout = summary["holdout"]
    assert holdout["actual_repeat_transactions"] == 1882
    assert holdout["predicted_repeat_transactions"] == pytest.approx(1653, rel=0.02)
    assert holdout["churn_auc"] >= 0.78
    assert summary["counts"]["customers"] == 2357
    assert summary["counts"]["refunds"]["customers_with_only_refunds"] == 0
    assert summary["input"]["separator"] == "whitespace"
    assert summary["input"]["rows"] == 6919
    assert summary["parameters"]["as_of"] == "1997-09-30"


def test_cdnow_customers_csv_and_stdout(cdnow_out):
    out, stdout = cdnow_out
    table = pd.read_csv(out / "customers.csv", dtype={"customer_id": str}, encoding="utf-8-sig")
    assert len(table) == 2357
    assert table["customer_id"].iloc[0] == "00004"
    assert table["customer_id"].is_unique
    assert "BG/NBD: r=0.243 alpha=4.414 a=0.793 b=2.426" in stdout
    assert "1,882 repeat purchases, 1,653 predicted" in stdout
    assert "customers.csv" in stdout


def test_gbk_shop_export_through_the_installed_command(tmp_path):
    path = _shop_export(tmp_path / "订单.csv")
    completed = subprocess.run(
        [str(SOLOCRM), "analyze", str(path), *SHOP_COLUMNS, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["input"]["encoding"] == "gb18030"
    assert summary["counts"]["refunds"]["transactions"] == 2
    assert summary["counts"]["refunds"]["customers_with_only_refunds"] == 1
    assert summary["bgnbd"]["fitted"] and summary["gamma_gamma"]["fitted"]
    table = pd.read_csv(tmp_path / "out" / "customers.csv", encoding="utf-8-sig")
    refund_only = table.set_index("customer_id").loc["退货客户"]
    assert bool(refund_only["refund_only"]) and refund_only["refund_amount"] == 1234.5
    assert table["customer_id"].str.startswith("顾客").sum() == 120
    assert "customers with only refunds: 1." in completed.stdout


def test_bad_input_exits_non_zero_with_the_message(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("客户,日期,金额\na,2024-01-01,10\n", encoding="utf-8")
    completed = subprocess.run(
        [str(SOLOCRM), "analyze", str(path), *SHOP_COLUMNS],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1
    assert (
        "the date column '下单时间' is not in the file; columns found: '客户', '日期', '金额'"
        in (completed.stderr)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("客户,下单时间,金额\na,2024/03/05 14:22,abc\n", "line 2: 'abc'"),
        ("客户,下单时间,金额\na,2024/03/05 14:22,1\nb,someday,2\n", "line 3: 'someday'"),
        ("客户,下单时间,金额\n", "no transactions, only a header"),
        ("", "the file is empty"),
        ("客户,时间,金额\n", "columns found: '客户', '时间', '金额'"),
    ],
)
def test_bad_files_raise_command_error(tmp_path, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        _analyze(str(path), *SHOP_COLUMNS, "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_holdout_start_outside_the_data_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="holdout_start 1999-01-01 must be after"):
        _analyze(
            str(CDNOW_PATH),
            "--no-header",
            "--customer-col", "0",
            "--date-col", "2",
            "--amount-col", "4",
            "--holdout-start", "1999-01-01",
            "--out", str(tmp_path),
        )  # fmt: skip


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _analyze(str(tmp_path / "nope.csv"), *SHOP_COLUMNS)
