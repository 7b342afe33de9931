from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solocrm.analytics import io, io_fast
from solocrm.analytics.io import TransactionFileError, read_transactions
from tests.analytics.cdnow import CDNOW_PATH

SHOP_HEADER = "客户,下单时间,金额\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _read_shop(path: Path, **options):
    return read_transactions(
        path, customer_col="客户", date_col="下单时间", amount_col="金额", **options
    )


def test_cdnow_whitespace_file_without_header_by_position():
    data = read_transactions(
        CDNOW_PATH, customer_col="0", date_col="2", amount_col="4", header=False
    )
    assert data.rows == 6919
    assert data.separator == "whitespace"
    assert data.encoding == "utf-8-sig"
    assert data.date_format == "ISO8601"
    assert len(data.customer_labels) == 2357
    assert data.customer_labels[0] == "00004"  # leading zeros kept
    first = data.transactions.iloc[0]
    assert data.customer_labels[first["customer_id"]] == "00004"
    assert first["timestamp"] == pd.Timestamp("1997-01-01")
    assert first["amount"] == pytest.approx(29.33)
    assert data.transactions["amount"].sum() == pytest.approx(244_091.94, abs=0.01)


def test_cdnow_columns_named_with_column_names():
    data = read_transactions(
        CDNOW_PATH,
        customer_col="customer_id",
        date_col="date",
        amount_col="dollar_value",
        header=False,
        column_names=["customer_id", "id_in_master", "date", "number_of_cds", "dollar_value"],
        date_format="%Y%m%d",
    )
    assert data.rows == 6919
    assert data.columns_used == {
        "customer": "customer_id",
        "date": "date",
        "amount": "dollar_value",
    }


def test_gbk_shop_export_with_chinese_header_currency_and_slashed_dates(tmp_path):
    text = SHOP_HEADER + (
        '张三,2024/03/05 14:22,"￥1,234.50"\n'
        "李四,2024/03/06 09:05,88元\n"
        '张三,2024/03/07 18:00,"-￥1,000.00"\n'
        "王五,2024/03/08 08:00,(12.00)\n"
    )
    data = _read_shop(_write(tmp_path / "orders.csv", text, "gbk"))
    assert data.encoding == "gb18030"
    labels = data.customer_labels
    frame = data.transactions.assign(customer=labels[data.transactions["customer_id"]])
    assert frame["customer"].tolist() == ["张三", "李四", "张三", "王五"]
    assert frame["amount"].tolist() == [1234.5, 88.0, -1000.0, -12.0]
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-03-05 14:22")


def test_day_first_dates_with_a_date_format(tmp_path):
    text = "customer;date;amount\na;05.03.2024;1\nb;31.12.2024;2\n"
    data = read_transactions(
        _write(tmp_path / "t.csv", text),
        customer_col="customer",
        date_col="date",
        amount_col="amount",
        date_format="%d.%m.%Y",
    )
    assert data.separator == "semicolon"
    assert list(data.transactions["timestamp"]) == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-12-31"),
    ]


def test_utf8_bom_and_tab_separated(tmp_path):
    text = "\ufeffcustomer\tdate\tamount\nc1\t2024-01-02\t10\nc2\t2024-01-03\t20.5\n"
    data = read_transactions(
        _write(tmp_path / "t.tsv", text),
        customer_col="customer",
        date_col="date",
        amount_col="amount",
    )
    assert data.separator == "tab"
    assert data.columns_found == ["customer", "date", "amount"]
    assert data.transactions["amount"].tolist() == [10.0, 20.5]


def test_chunks_give_the_same_codes_as_one_read(tmp_path):
    rng = np.random.default_rng(3)
    rows = [
        f"c{rng.integers(0, 30)},2024-01-{rng.integers(1, 29):02d},{rng.integers(1, 99)}"
        for _ in range(200)
    ]
    path = _write(tmp_path / "t.csv", "customer,date,amount\n" + "\n".join(rows) + "\n")
    options = {"customer_col": "customer", "date_col": "date", "amount_col": "amount"}
    whole = read_transactions(path, **options)
    chunked = read_transactions(path, chunk_rows=7, **options)
    assert chunked.customer_labels.equals(whole.customer_labels)
    pd.testing.assert_frame_equal(chunked.transactions, whole.transactions)
    labels = whole.customer_labels[whole.transactions["customer_id"]]
    assert list(labels) == [row.split(",")[0] for row in rows]


@pytest.mark.parametrize(
    "text",
    [
        "customer,ordered_at,amount\r\n"
        "C001,2024-01-02 10:00:00,10.5\r\nC0000002,2024-01-03T11:30,-2\r\n",
        "\ufeffid;ts;x;amount\n\n张三;2024-01-02;a;1e2\nC1;2024-01-03;b;3\nC1;2024-02-03;c;0",
    ],
)
def test_the_numpy_fast_path_equals_the_pandas_path(tmp_path, monkeypatch, text):
    path = _write(tmp_path / "t.csv", text)
    first_line = text.lstrip("\ufeff").splitlines()[0]
    names = first_line.replace(";", ",").split(",")
    options = {"customer_col": names[0], "date_col": names[1], "amount_col": names[-1]}
    assert (
        io_fast.read_simple_file(
            str(path),
            "utf-8-sig",
            first_line[len(names[0])],
            True,
            {"customer": 0, "date": 1, "amount": len(names) - 1},
            len(names),
        )
        is not None
    )
    fast = read_transactions(path, **options)
    monkeypatch.setattr(io, "read_simple_file", lambda *args: None)
    slow = read_transactions(path, **options)
    assert fast.customer_labels.equals(slow.customer_labels)
    pd.testing.assert_frame_equal(fast.transactions, slow.transactions)
    assert fast.rows == slow.rows


def test_missing_column_is_named_with_the_columns_found(tmp_path):
    path = _write(tmp_path / "t.csv", "customer,date,total\nc1,2024-01-02,10\n")
    with pytest.raises(TransactionFileError) as error:
        read_transactions(path, customer_col="customer", date_col="date", amount_col="amount")
    assert str(error.value) == (
        "the amount column 'amount' is not in the file; columns found: 'customer', 'date', 'total'"
    )


def test_bad_dates_name_the_column_and_file_lines(tmp_path):
    text = SHOP_HEADER + (
        "a,2024/03/05 14:22,10\n"
        "\n"  # a blank line: the following line numbers must still be the file's
        "b,2024/13/05 10:00,10\n"
        "c,2024/03/06 10:00,10\n"
        "d,yesterday,10\n"
    )
    with pytest.raises(TransactionFileError) as error:
        _read_shop(_write(tmp_path / "t.csv", text))
    message = str(error.value)
    assert message.startswith(
        "column '下单时间' (date) has a date that does not match %Y/%m/%d %H:%M"
    )
    assert "line 4: '2024/13/05 10:00'" in message
    assert "line 6: 'yesterday'" in message


def test_bad_amounts_name_the_column_and_file_lines(tmp_path):
    text = SHOP_HEADER + "a,2024/03/05 14:22,10\nb,2024/03/05 14:22,十元\nc,2024/03/05 14:22,\n"
    with pytest.raises(TransactionFileError) as error:
        _read_shop(_write(tmp_path / "t.csv", text))
    assert str(error.value) == (
        "column '金额' (amount) has a missing or non-numeric amount — "
        "line 3: '十元', line 4: (empty)"
    )


def test_decimal_comma_is_refused_not_misread(tmp_path):
    text = 'customer,date,amount\na,2024-01-01,"1,234"\nb,2024-01-01,"12,5"\n'
    with pytest.raises(TransactionFileError, match=r"line 3: '12,5'"):
        read_transactions(
            _write(tmp_path / "t.csv", text),
            customer_col="customer",
            date_col="date",
            amount_col="amount",
        )


def test_empty_customer_is_refused_with_its_line(tmp_path):
    text = "customer,date,amount\na,2024-01-01,1\n,2024-01-02,2\n"
    with pytest.raises(TransactionFileError, match=r"\(customer\) has an empty customer — line 3"):
        read_transactions(
            _write(tmp_path / "t.csv", text),
            customer_col="customer",
            date_col="date",
            amount_col="amount",
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("customer,date,amount\n", "the file has no transactions, only a header"),
    ],
)
def test_empty_files(tmp_path, text, message):
    path = _write(tmp_path / "t.csv", text)
    with pytest.raises(TransactionFileError, match=message):
        read_transactions(path, customer_col="customer", date_col="date", amount_col="amount")


def test_file_that_is_not_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"customer,date,amount\n\xff\xfe\xff,2024-01-01,1\n")
    with pytest.raises(TransactionFileError, match="neither UTF-8 nor GB18030"):
        read_transactions(path, customer_col="customer", date_col="date", amount_col="amount")
