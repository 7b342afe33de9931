"""Malformed order files keep the customers' import invariant, line numbers and columns.

Each file is its own test: refused whole with the reason, or created + updated + skipped
+ rejected = data rows, every rejected row reported with its physical line and column,
nothing written in atomic mode when a row is rejected, and exactly the good orders (and
their lines) written in partial mode. A rejected row rejects every row of its order.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from solocrm.core.context import acting_as
from solocrm.core.models import AuditEntry
from solocrm.customers.importing.services import ImportOptions
from solocrm.customers.models import Customer, CustomerEmail
from solocrm.sales.importing.services import sales_import_file
from solocrm.sales.models import Order, OrderLine

H = "订单号,下单时间,邮箱,手机,SKU,商品,数量,单价,折扣,状态,币种\n"
E = "Order number,Order date,Email,Customer name,Product,Quantity,Unit price,Currency\n"
ZW = "2025-03-05,zw@example.com,"  # order date, a known customer's email, (no name)


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Order number", "Order date", "Email", "Product", "Quantity", "Unit price"])
    sheet.append(["X-1", dt.datetime(2025, 3, 5, 14, 30), "zw@example.com", "Tea", 2, 12.5])
    sheet.append([1002, dt.date(2025, 3, 6), "zw@example.com", "Tea", 1, "12.50"])
    sheet.append([None] * 6)
    sheet.append(["X-3", "not a date", "zw@example.com", "Tea", 1, 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES: dict[str, bytes] = {
    "bad_amounts.csv": (
        H + "D-1,2025-03-05,zw@example.com,,,Tea,1,12.50,,paid,\n"
        "D-2,2025-03-05,zw@example.com,,,Tea,1,abc,,paid,\n"
        'D-3,2025-03-05,zw@example.com,,,Tea,1,"12,50",,paid,\n'  # a decimal comma
        "D-4,2025-03-05,zw@example.com,,,Tea,1,NaN,,paid,\n"
        "D-5,2025-03-05,zw@example.com,,,Tea,1,1e309,,paid,\n"
        "D-6,2025-03-05,zw@example.com,,,Tea,1,99999999999999999999,,paid,\n"
        'D-7,2025-03-05,zw@example.com,,,Tea,1,"¥1,230",,paid,\n'
        "D-8,2025-03-05,zw@example.com,,,Tea,1,-5,,paid,\n"
    ).encode(),
    "unknown_customers.csv": (
        E + "U-1,2025-03-05,zw@example.com,张伟,Tea,1,10,CNY\n"
        "U-2,2025-03-05,new@example.com,New Person,Tea,1,10,CNY\n"
        "U-3,2025-03-05,,No Contact,Tea,1,10,CNY\n"
        "U-4,2025-03-05,bad@,Bad Mail,Tea,1,10,CNY\n"
    ).encode(),
    "mixed_currencies.csv": (
        E + f"M-1,{ZW},Tea,1,10,CNY\nM-1,{ZW},Cup,1,5,USD\nM-2,{ZW},Tea,1,10,USD\n"
        f"M-3,{ZW},Tea,1,10,XYZ\nM-4,{ZW},Tea,1,10,人民币\n"
    ).encode(),
    "duplicate_order_numbers.csv": (
        E + f"EXIST-1,{ZW},Tea,1,25,CNY\n"  # already stored
        f"N-1,{ZW},Tea,1,10,CNY\n"
        "N-1,2025-03-05,ln@example.com,,Cup,1,5,CNY\n"  # same number, another customer
        "N-2,2025-03-05,ln@example.com,,Tea,1,10,CNY\n"
        " N-3 ,2025-03-05,ln@example.com,,Tea,1,10,CNY\n"
        "N-3,2025-03-06,ln@example.com,,Tea,1,10,CNY\n"  # same number, another date
    ).encode(),
    "bad_dates.csv": (
        E + "T-1,2025-02-30,zw@example.com,,Tea,1,10,CNY\n"
        "T-2,yesterday,zw@example.com,,Tea,1,10,CNY\n"
        "T-3,13/13/2025,zw@example.com,,Tea,1,10,CNY\n"
        "T-4,2025年3月5日 14:30,zw@example.com,,Tea,1,10,CNY\n"
        "T-5,,zw@example.com,,Tea,1,10,CNY\n"
        "T-6,2025-03-05T25:00,zw@example.com,,Tea,1,10,CNY\n"
    ).encode(),
    "quantities.csv": (
        E + f"Q-1,{ZW},Tea,-2,10,CNY\nQ-2,{ZW},Tea,0,10,CNY\nQ-3,{ZW},Tea,1.5,10,CNY\n"
        f"Q-4,{ZW},Tea,1e20,10,CNY\nQ-5,{ZW},Tea,two,10,CNY\nQ-6,{ZW},Tea,1.0001,10,CNY\n"
        f"Q-7,{ZW},Tea,999999999,9999999999.99,CNY\n"  # each fits; their product does not
    ).encode(),
    "formula_cells.csv": (
        E + f"\"=cmd|' /C calc'!A0\",{ZW},=1+1,1,10,CNY\n"
        f"F-2,{ZW},@SUM(A1),1,=2*5,CNY\n"
        f"F-3,{ZW},-Tea,1,+10,CNY\n"
    ).encode(),
    "embedded_newlines.csv": (
        E + f'L-1,{ZW},"Tea\nline two\nline three",1,10,CNY\n'
        f'L-2,{ZW},"a\r\nb",x,10,CNY\n\n'
        f"L-3,{ZW},Tea,1,10,CNY\n"
    ).encode(),
    "gbk_chinese.csv": (
        H + "G-1,2025/3/5 9:00,zw@example.com,,,龙井,2,20,,已支付,CNY\n"
        "G-2,2025/3/5,,13900000000,,龙井,1,20,,已支付,\n"
    ).encode("gbk"),
    "too_many_cells.csv": (E + f"C-1,{ZW},Tea,1,10,CNY,extra\nC-2,{ZW},Tea,1,10,CNY\n").encode(),
    "orders.xlsx": _xlsx(),
    "header_only.csv": H.encode(),
    "empty.csv": b"",
    "no_customer_column.csv": b"Order number,Product,Quantity,Unit price\nX-1,Tea,1,10\n",
    "no_price_column.csv": b"Order number,Email,Product\nX-1,zw@example.com,Tea\n",
}


@dataclass(frozen=True)
class Case:
    refused: str = ""
    orders: tuple[str, ...] = ()  # order numbers the good rows create
    created_rows: int = 0
    skipped: int = 0
    rejected: dict[int, str] = field(default_factory=dict)  # line → first column named
    unknown_customers: str = "reject"
    new_customers: int = 0
    file: str = ""


CASES: dict[str, Case] = {
    "bad_amounts": Case(
        orders=("D-1", "D-7"),
        created_rows=2,
        rejected={3: "单价", 4: "单价", 5: "单价", 6: "单价", 7: "单价", 9: "单价"},
    ),
    "unknown_customers_rejected": Case(
        orders=("U-1",),
        created_rows=1,
        rejected={3: "Email", 4: "Email", 5: "Email"},
        file="unknown_customers.csv",
    ),
    "unknown_customers_created": Case(
        orders=("U-1", "U-2", "U-3"),
        created_rows=3,
        rejected={5: "Email"},
        unknown_customers="create",
        new_customers=2,
        file="unknown_customers.csv",
    ),
    "mixed_currencies": Case(
        orders=("M-2", "M-3"), created_rows=2, rejected={2: "", 3: "Currency", 6: "Currency"}
    ),
    "duplicate_order_numbers": Case(
        orders=("N-2",),
        created_rows=1,
        skipped=1,
        rejected={3: "", 4: "Email", 6: "", 7: "Order date"},
    ),
    "bad_dates": Case(
        orders=("T-4",),
        created_rows=1,
        rejected={
            2: "Order date",
            3: "Order date",
            4: "Order date",
            6: "Order date",
            7: "Order date",
        },
    ),
    "quantities": Case(
        orders=("Q-3",),
        created_rows=1,
        rejected={
            2: "Quantity",
            3: "Quantity",
            5: "Quantity",
            6: "Quantity",
            7: "Quantity",
            8: "Order total",
        },
    ),
    "formula_cells": Case(
        orders=("=cmd|' /C calc'!A0", "F-3"), created_rows=2, rejected={3: "Unit price"}
    ),
    "embedded_newlines": Case(orders=("L-1", "L-3"), created_rows=2, rejected={5: "Quantity"}),
    "gbk_chinese": Case(orders=("G-1",), created_rows=1, rejected={3: "邮箱"}),
    "too_many_cells": Case(orders=("C-2",), created_rows=1, rejected={2: "Column 9"}),
    "orders_xlsx": Case(
        orders=("X-1", "1002"), created_rows=2, rejected={5: "Order date"}, file="orders.xlsx"
    ),
    "header_only": Case(refused="no data rows"),
    "empty": Case(refused="empty"),
    "no_customer_column": Case(refused="no column identifies the customer"),
    "no_price_column": Case(refused="no column gives a price"),
}


def _file(name: str, case: Case) -> str:
    return case.file or next(f for f in FILES if f.rsplit(".", 1)[0] == name)


def test_every_file_has_a_case_and_there_are_enough():
    assert {_file(name, case) for name, case in CASES.items()} == set(FILES)
    assert len(CASES) >= 10


@pytest.fixture
def shop(owner, make_customer, make_order):
    zw = make_customer("张伟", emails=["zw@example.com"], phones=["13800138000"])
    make_customer("李娜", emails=["ln@example.com"])
    make_order(zw, number="EXIST-1")


def _counts() -> dict[str, int]:
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "customers": Customer.objects.count(),
        "emails": CustomerEmail.objects.count(),
        "audit (not import)": AuditEntry.objects.exclude(action="import").count(),
    }


def _import(owner: Any, data: bytes, name: str, mode: str, case: Case):
    with acting_as(owner, "cli"):
        return sales_import_file(
            data=data,
            filename=name,
            by=owner,
            options=ImportOptions(kind="orders", mode=mode),
            unknown_customers=case.unknown_customers,
        )


def _check_accounting(summary: Any, case: Case) -> None:
    counts = summary.as_dict()
    assert counts["rows"] == summary.table["rows"] > 0
    assert counts["rows"] == sum(counts[k] for k in ("created", "updated", "skipped", "rejected"))
    assert (counts["created"], counts["updated"], counts["skipped"], counts["rejected"]) == (
        case.created_rows,
        0,
        case.skipped,
        len(case.rejected),
    ), summary.problems
    lines = [outcome.line for outcome in summary.result.outcomes]
    assert sorted(lines) == sorted(set(lines))
    assert {o.line for o in summary.result.outcomes if o.action == "rejected"} == set(case.rejected)
    first_column: dict[int, str] = {}
    for problem in summary.problems:
        first_column.setdefault(problem.line, problem.column)
        assert problem.reason
    assert first_column == case.rejected


@pytest.mark.parametrize("name", sorted(CASES))
def test_order_corpus_file(owner, shop, name):
    case = CASES[name]
    filename = _file(name, case)
    data = FILES[filename]
    before = _counts()
    imports = AuditEntry.objects.filter(action="import").count()
    existing = set(Order.objects.values_list("number", flat=True))

    summary = _import(owner, data, filename, "atomic", case)
    assert AuditEntry.objects.filter(action="import").count() == imports + 1
    if case.refused:
        assert case.refused in summary.refused
        assert summary.result is None
        assert _counts() == before
        return
    assert not summary.refused, summary.refused
    _check_accounting(summary, case)
    assert not summary.written  # every file here has a rejected row
    assert _counts() == before

    summary = _import(owner, data, filename, "partial", case)
    _check_accounting(summary, case)
    assert summary.written
    new = Order.objects.exclude(number__in=existing).order_by("id")
    assert sorted(new.values_list("number", flat=True)) == sorted(case.orders)
    assert OrderLine.objects.count() == before["lines"] + case.created_rows
    assert Customer.objects.count() == before["customers"] + case.new_customers


def test_amounts_are_read_exactly(owner, shop):
    case = CASES["bad_amounts"]
    _import(owner, FILES["bad_amounts.csv"], "a.csv", "partial", case)
    totals = dict(Order.objects.filter(number__startswith="D-").values_list("number", "total"))
    assert totals == {"D-1": Decimal("12.50"), "D-7": Decimal("1230.00")}
    formula = CASES["formula_cells"]
    _import(owner, FILES["formula_cells.csv"], "f.csv", "partial", formula)
    line = OrderLine.objects.get(order__number="=cmd|' /C calc'!A0")
    assert (line.description, line.unit_price) == ("=1+1", Decimal("10.00"))
    assert OrderLine.objects.get(order__number="F-3").description == "-Tea"
