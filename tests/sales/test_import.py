"""``solocrm import orders|products``: grouping, customer matching, the accounting
invariant on malformed files, idempotent re-runs, atomic and partial modes."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from solocrm.core.models import AuditEntry
from solocrm.customers.models import Customer
from solocrm.sales.models import Order, OrderLine, Product

HEADER = "订单号,下单时间,邮箱,手机,SKU,商品,数量,单价,折扣,状态\n"


def run_cli(*args: str) -> tuple[int, dict | str, str]:
    out, err = io.StringIO(), io.StringIO()
    module = importlib.import_module("solocrm.customers.management.commands.import")
    command = module.Command(stdout=out, stderr=err)
    command._called_from_command_line = True
    try:
        options = vars(command.create_parser("solocrm", "import").parse_args(args))
        command.execute(*options.pop("args", ()), **options)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    except CommandError as exc:
        status = exc.returncode
        err.write(f"CommandError: {exc}")
    text = out.getvalue()
    return status, (json.loads(text) if "--json" in args and text else text), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def make(name: str, content: str, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(content.encode(encoding))
        return str(path)

    return make


@pytest.fixture
def shop(owner, make_customer, make_product):
    make_product("20.00", sku="TEA-1", name="Longjing")
    make_product("8.50", sku="CUP-1", name="Cup")
    return {
        "zw": make_customer("张伟", emails=["zw@example.com"], phones=["13800138000"]),
        "ln": make_customer("李娜", emails=["ln@example.com"], data={"external_id": "M-7"}),
    }


def _counts(summary: dict) -> tuple[int, ...]:
    return tuple(summary[k] for k in ("rows", "created", "updated", "skipped", "rejected"))


def test_rows_per_line_group_into_orders_matched_by_email_or_phone(shop, write):
    content = HEADER + (
        "A-1,2025-03-05 14:30,zw@example.com,,TEA-1,,2,,5,已支付\n"
        "A-1,,,,CUP-1,,1,,,\n"
        "A-2,2025/3/6,,+86 138 0013 8000,,Gift box,1,30,,paid\n"
    )
    status, summary, err = run_cli("orders", write("o.csv", content, "gbk"), "--json")
    assert status == 0, err
    assert _counts(summary) == (3, 3, 0, 0, 0)
    assert summary["orders"] == 2
    first = Order.objects.get(number="A-1")
    assert (first.customer, first.subtotal, first.discount_total, first.total) == (
        shop["zw"], Decimal("48.50"), Decimal("5.00"), Decimal("43.50"))  # fmt: skip
    assert first.ordered_at == dt.datetime(2025, 3, 5, 6, 30, tzinfo=dt.UTC)  # 14:30 in Shanghai
    assert list(first.lines.values_list("description", "quantity")) == [
        ("Longjing", Decimal("2.000")), ("Cup", Decimal("1.000"))]  # fmt: skip
    second = Order.objects.get(number="A-2")
    assert (second.customer, second.total) == (shop["zw"], Decimal("30.00"))
    entry = AuditEntry.objects.get(action="import", object_type="sales.order")
    assert entry.changes["created"] == 3


def test_one_row_per_order_with_a_total_and_external_id(shop, write):
    content = (
        "Order number,Order date,Customer ID,Total,Status,Refunded\n"
        "B-1,2025-01-02,M-7,99.90,partially refunded,9.90\n"
    )
    status, _summary, err = run_cli("orders", write("o.csv", content), "--json")
    assert status == 0, err
    order = Order.objects.get()
    assert (order.customer, order.total, order.refunded_amount, order.status) == (
        shop["ln"], Decimal("99.90"), Decimal("9.90"), "partially_refunded")  # fmt: skip
    assert order.lines.get().description == "Order B-1"


MALFORMED = HEADER + (
    "C-1,2025-03-05,zw@example.com,,TEA-1,,1,,,paid\n"  # good
    "C-2,not a date,zw@example.com,,TEA-1,,1,,,paid\n"  # bad date
    "C-3,2025-03-05,nobody@example.com,,TEA-1,,1,,,paid\n"  # unknown customer
    "C-4,2025-03-05,zw@example.com,,NOPE,,1,,,paid\n"  # unknown SKU
    "C-5,2025-03-05,zw@example.com,,TEA-1,,-2,,,paid\n"  # negative quantity
    "C-6,2025-03-05,zw@example.com,,TEA-1,,1,,50,paid\n"  # discount above the line
    "C-7,2025-03-05,zw@example.com,,TEA-1,,1,,,shipped\n"  # unknown status
    "C-8,2025-03-05,zw@example.com,,TEA-1,,1,,,paid\n"
    "C-8,2025-03-06,zw@example.com,,CUP-1,,1,,,paid\n"  # rows of one order disagree
    ",2025-03-05,zw@example.com,,TEA-1,,1,,,paid\n"  # no order number
    "C-9,2025-03-05,zw@example.com,,TEA-1,,1,,,paid,extra\n"  # too many cells
)


def test_malformed_file_keeps_the_accounting_invariant_in_partial_mode(shop, write, tmp_path):
    report = tmp_path / "report.csv"
    status, summary, _err = run_cli(
        "orders",
        write("bad.csv", MALFORMED),
        "--mode",
        "partial",
        "--json",
        "--report",
        str(report),
    )
    assert status == 1
    rows, created, updated, skipped, rejected = _counts(summary)
    assert (rows, created, updated, skipped, rejected) == (11, 1, 0, 0, 10)
    assert created + updated + skipped + rejected == rows
    assert list(Order.objects.values_list("number", flat=True)) == ["C-1"]
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    reported = sorted({int(line.split(",")[0]) for line in lines[1:]})
    assert reported == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert any("no product has the sku “nope”" in line.casefold() for line in lines)
    assert any(line.startswith("10,") and "must agree" in line for line in lines)


def test_malformed_file_in_atomic_mode_writes_nothing(shop, write):
    status, summary, _err = run_cli("orders", write("bad.csv", MALFORMED), "--json")
    assert status == 1
    assert _counts(summary)[0] == 11
    assert summary["created"] + summary["rejected"] == 11
    assert summary["written"] is False
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def test_rerun_is_idempotent_with_skip_and_with_update(shop, write):
    content = (
        HEADER
        + "D-1,2025-03-05,zw@example.com,,TEA-1,,2,,,paid\n"
        + "D-1,,,,CUP-1,,1,,,\n"
        + "D-2,2025-03-07,ln@example.com,,CUP-1,,3,,,paid\n"
    )
    path = write("o.csv", content)
    assert _counts(run_cli("orders", path, "--json")[1]) == (3, 3, 0, 0, 0)
    before = list(Order.objects.order_by("number").values_list("number", "total", "version"))
    assert _counts(run_cli("orders", path, "--json")[1]) == (3, 0, 0, 3, 0)
    assert _counts(run_cli("orders", path, "--json", "--on-duplicate", "update")[1]) == (
        3,
        0,
        0,
        3,
        0,
    )
    assert (
        list(Order.objects.order_by("number").values_list("number", "total", "version")) == before
    )
    changed = content.replace(
        "D-2,2025-03-07,ln@example.com,,CUP-1,,3", "D-2,2025-03-07,ln@example.com,,CUP-1,,4"
    )
    _status, summary, _err = run_cli(
        "orders", write("o2.csv", changed), "--json", "--on-duplicate", "update"
    )
    assert _counts(summary) == (3, 0, 1, 2, 0)
    assert Order.objects.get(number="D-2").total == Decimal("34.00")


def test_unknown_customers_created_when_asked(shop, write):
    content = HEADER.replace("邮箱", "客户,邮箱") + (
        "E-1,2025-03-05,王芳,wf@example.com,,TEA-1,,1,,,paid\n"
        "E-2,2025-03-06,王芳,wf@example.com,,CUP-1,,1,,,paid\n"
    )
    path = write("o.csv", content)
    status, summary, _err = run_cli("orders", path, "--json")
    assert (status, summary["rejected"]) == (1, 2)
    status, summary, err = run_cli("orders", path, "--json", "--unknown-customers", "create")
    assert status == 0, err
    customer = Customer.objects.get(name="王芳")
    assert customer.primary_email == "wf@example.com"
    assert list(
        Order.objects.filter(customer=customer).values_list("number", flat=True).order_by("number")
    ) == ["E-1", "E-2"]


def test_a_mapping_without_a_customer_column_is_refused(owner, write):
    status, _text, err = run_cli("orders", write("o.csv", "Order,Total\nX,1\n"))
    assert status == 3
    assert "no column identifies the customer" in err


def test_limited_member_cannot_import_orders_for_others(member, limit_members, shop, write):
    content = HEADER + "F-1,2025-03-05,zw@example.com,,TEA-1,,1,,,paid\n"
    status, summary, _err = run_cli(
        "orders", write("o.csv", content), "--json", "--user", member.email
    )
    assert (status, summary["rejected"]) == (1, 1)
    assert Order.objects.count() == 0


def test_products_import_creates_updates_and_is_idempotent(owner, write):
    content = (
        "货号,商品名称,分类,单价,上架\n"
        "T-1,西湖龙井,茶叶,¥128.00,是\nT-2,白瓷杯,茶具,35.5,否\nT-3,,茶具,1,是\n"
    )
    path = write("p.csv", content)
    status, summary, _err = run_cli("products", path, "--json", "--mode", "partial")
    assert (status, _counts(summary)) == (1, (3, 2, 0, 0, 1))
    assert list(Product.objects.order_by("sku").values_list("sku", "unit_price", "active")) == [
        ("T-1", Decimal("128.00"), True), ("T-2", Decimal("35.50"), False)]  # fmt: skip
    fixed = content.replace("T-3,,", "T-3,紫砂壶,")
    assert _counts(
        run_cli("products", write("p2.csv", fixed), "--json", "--on-duplicate", "update")[1]
    ) == (3, 1, 0, 2, 0)
    cheaper = fixed.replace("¥128.00", "120")
    assert _counts(
        run_cli("products", write("p3.csv", cheaper), "--json", "--on-duplicate", "update")[1]
    ) == (3, 0, 1, 2, 0)
    assert Product.objects.get(sku="T-1").unit_price == Decimal("120.00")


def test_cyclic_gc_is_paused_during_an_import_only(shop, owner):
    """The import pauses cyclic garbage collection and turns it back on afterwards, even
    when the import fails; the unknown customer's message reads well outside the CLI."""
    import gc

    from solocrm.customers.importing.services import ImportOptions
    from solocrm.sales.importing import services

    seen: list[bool] = []
    data = (HEADER + "G-1,2025-03-05,nobody@example.com,,TEA-1,,1,,,paid\n").encode()
    summary = services.sales_import_file(
        data=data, filename="o.csv", by=owner, options=ImportOptions(kind="orders", mode="partial"),
        progress=lambda done, total: seen.append(gc.isenabled()),
    )  # fmt: skip
    assert seen == [False]
    assert gc.isenabled()
    assert summary.result.count("rejected") == 1
    [problem] = summary.result.problems
    assert "choose to create unknown customers" in problem.reason
    assert "--unknown-customers" not in problem.reason

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        services.sales_import_file(
            data=data, filename="o.csv", by=owner, options=ImportOptions(kind="orders"),
            progress=fail,
        )  # fmt: skip
    assert gc.isenabled()
