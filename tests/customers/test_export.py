"""Export: CSV with BOM and XLSX, formula neutralising, the list's filters, permissions, audit."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from solocrm.core.context import acting_as
from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.exporting import cell_neutralise, customers_export
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.models import Customer

EXPORT_URL = "/customers/export/"


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+8613800138000", "'+8613800138000"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("'=1", "''=1"),  # the import removes one apostrophe: "'=1" comes back
        ("''+1", "'''+1"),
        ("'abc", "'abc"),
        ("'", "'"),
        ("-12.5", "-12.5"),
        ("-3", "-3"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        (42, 42),
        (None, None),
    ],
)
def test_cell_neutralise(value, expected):
    assert cell_neutralise(value) == expected


@pytest.fixture
def dangerous(owner, as_owner):
    custom_field_definition_create(by=owner, target="customer", key="balance", label="余额",
                                   field_type="decimal")  # fmt: skip
    custom_field_definition_create(by=owner, target="customer", key="memo", label="Memo",
                                   field_type="text")  # fmt: skip
    return services.customer_create(
        by=owner,
        name='=HYPERLINK("http://evil","x")',
        phones=["+86 138 0013 8000"],
        data={"city": "@SUM(1+1)", "wechat_id": "-2+3"},
        tags=["VIP"],
        custom_fields={"balance": "-12.50", "memo": "-7"},
    )


def test_csv_export_neutralises_formulas_and_keeps_chinese(owner_client, dangerous, make_customer):
    make_customer("张伟", emails=["zw@example.com", "zw2@example.com"])
    response = owner_client.get(EXPORT_URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    rows = csv_rows(response.content)
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    evil = by_name['\'=HYPERLINK("http://evil","x")']
    assert evil["City"] == "'@SUM(1+1)"
    assert evil["WeChat ID"] == "'-2+3"
    assert evil["Phone"] == "'+8613800138000"
    assert evil["余额"] == "-12.50"  # a plain negative number is left alone
    assert evil["Memo"] == "-7"
    assert by_name["张伟"]["Email"] == "zw@example.com; zw2@example.com"
    assert response["X-Export-Rows"] == "2"


def test_xlsx_export_writes_text_never_formulas_and_numbers_as_numbers(owner_client, dangerous):
    response = owner_client.get(EXPORT_URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = xlsx_sheet(response.content)
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Name"].value == '\'=HYPERLINK("http://evil","x")'
    assert row["Name"].data_type == "s"
    assert (row["City"].value, row["City"].data_type) == ("'@SUM(1+1)", "s")
    assert row["余额"].value == -12.5 and row["余额"].data_type == "n"
    assert (row["Memo"].value, row["Memo"].data_type) == ("-7", "s")  # text stays text
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


def test_raw_export_keeps_values_as_they_are(owner_client, dangerous):
    rows = csv_rows(owner_client.get(EXPORT_URL, {"format": "csv", "raw": "1"}).content)
    assert rows[1][0] == '=HYPERLINK("http://evil","x")'
    sheet = xlsx_sheet(owner_client.get(EXPORT_URL, {"format": "xlsx", "raw": "1"}).content)
    assert sheet["A2"].value == '=HYPERLINK("http://evil","x")'
    assert sheet["A2"].data_type == "s"  # still text in XLSX


def test_export_applies_the_list_filters_and_is_audited(owner_client, owner, make_customer):
    make_customer("Ann", tags=["VIP"], data={"source": "wechat"})
    make_customer("Bob", tags=["VIP"])
    make_customer("Cai")
    response = owner_client.get(EXPORT_URL, {"format": "csv", "tag": "VIP", "source": "wechat"})
    assert [r[0] for r in csv_rows(response.content)[1:]] == ["Ann"]
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor_id, entry.channel, entry.object_type) == (
        owner.pk,
        "ui",
        "customers.customer",
    )
    assert entry.changes == {
        "filters": {"tag": "VIP", "source": "wechat"},
        "format": "csv",
        "rows": 1,
        "neutralised": True,
    }


def test_wrong_filters_are_refused_not_ignored(owner_client, make_customer):
    make_customer("Ann")
    response = owner_client.get(EXPORT_URL, {"format": "csv", "stage": "nonsense"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert b"stage" in response.content
    assert owner_client.get(EXPORT_URL, {"format": "pdf"}).status_code == 400
    assert not AuditEntry.objects.filter(action="export").exists()


def test_limited_member_exports_only_their_own_customers(
    client, owner, member, limit_members, make_customer
):
    make_customer("Owner's")
    make_customer("Member's", by=member)
    client.force_login(member)
    rows = csv_rows(client.get(EXPORT_URL, {"format": "csv"}).content)
    assert [r[0] for r in rows[1:]] == ["Member's"]
    assert AuditEntry.objects.get(action="export").changes["rows"] == 1


def test_viewers_cannot_export(client, viewer, make_customer):
    make_customer("Ann")
    client.force_login(viewer)
    assert client.get(EXPORT_URL, {"format": "csv"}).status_code == 403
    with pytest.raises(PermissionDenied):
        customers_export(by=viewer, customers=Customer.objects.all(), file_format="csv", filters={})
    assert not AuditEntry.objects.filter(action="export").exists()


def test_api_export_uses_the_same_rules(client, owner, viewer, make_customer):
    make_customer("Ann")
    client.force_login(owner)
    response = client.get("/api/v1/exports/customers", {"format": "xlsx"})
    assert response.status_code == 200
    assert xlsx_sheet(response.content)["A2"].value == "Ann"
    response = client.get("/api/v1/exports/customers", {"stage": "nonsense"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "stage")
    client.force_login(viewer)
    assert client.get("/api/v1/exports/customers").status_code == 403


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_without_duplicates(owner, as_owner, dangerous, file_format):
    services.customer_create(
        by=owner,
        name="李娜",
        emails=["ln@example.com"],
        phones=["13900139000", "010-12345678"],
        data={"gender": "female", "source": "referral", "birthday": "1991-02-03"},
        tags=["老客户", "VIP"],
    )
    export = customers_export(
        by=owner, customers=Customer.objects.all(), file_format=file_format, filters={}
    )
    with acting_as(owner, "cli"):
        summary = import_file(
            data=export.content,
            filename=f"export.{file_format}",
            by=owner,
            options=ImportOptions(on_duplicate="update"),
        )
    assert summary.as_dict()["skipped"] == 2, summary.problems
    assert Customer.objects.count() == 2
    assert set(Customer.objects.values_list("version", flat=True)) == {1}


def test_xlsx_keeps_number_like_text_as_text_and_long_numbers_exact(owner, as_owner):
    custom_field_definition_create(by=owner, target="customer", key="amount", label="Amount",
                                   field_type="decimal")  # fmt: skip
    custom_field_definition_create(by=owner, target="customer", key="count", label="Count",
                                   field_type="number")  # fmt: skip
    services.customer_create(
        by=owner,
        name="-1.50",
        data={"city": "-0", "external_id": "-007"},
        custom_fields={"amount": "12345678901.123456", "count": 2**60},
    )
    services.customer_create(by=owner, name="Ann", custom_fields={"amount": "-2.5", "count": 3})
    export = customers_export(
        by=owner, customers=Customer.objects.all(), file_format="xlsx", filters={}
    )
    sheet = xlsx_sheet(export.content)
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    odd = rows["-1.50"]
    assert [(odd[h].value, odd[h].data_type) for h in ("Name", "City", "External ID")] == [
        ("-1.50", "s"), ("-0", "s"), ("-007", "s")]  # fmt: skip
    assert (odd["Amount"].value, odd["Amount"].data_type) == ("12345678901.123456", "s")
    assert (odd["Count"].value, odd["Count"].data_type) == (str(2**60), "s")
    assert (rows["Ann"]["Amount"].value, rows["Ann"]["Amount"].data_type) == (-2.5, "n")
    assert (rows["Ann"]["Count"].value, rows["Ann"]["Count"].data_type) == (3, "n")


def test_tags_with_separators_are_quoted_and_import_back_whole(owner, as_owner):
    services.customer_create(
        by=owner,
        name="Ann",
        emails=["ann@example.com"],
        tags=["Beijing, Chaoyang", 'say "hi"', "VIP"],
    )
    export = customers_export(
        by=owner, customers=Customer.objects.all(), file_format="csv", filters={}
    )
    rows = csv_rows(export.content)
    assert dict(zip(rows[0], rows[1], strict=True))["Tags"] == (
        '"Beijing, Chaoyang", VIP, say "hi"'
    )
    Customer.objects.all().delete()
    summary = import_file(data=export.content, filename="e.csv", by=owner, options=ImportOptions())
    assert summary.as_dict()["created"] == 1, summary.problems
    names = sorted(Customer.objects.get().tags.values_list("name", flat=True))
    assert names == ["Beijing, Chaoyang", "VIP", 'say "hi"']
