"""Importing rows: every row accounted for, atomic and partial modes, duplicates, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from solocrm.core.context import acting_as
from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.models import AuditEntry
from solocrm.customers import services
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.models import Company, Customer, Interaction

HEADER = "姓名,手机,邮箱,标签,生日,公司,性别,来源,备注\n"
GOOD = [
    '张伟,13800138000,zw@example.com,"VIP,老客户",1990/5/1,星光设计,男,微信,喜欢绿茶\n',
    "李娜,+86 139 0013 9000,ln@example.com,VIP、北京,1991年2月3日,,女,推荐,\n",
    "Wang Fang,010-12345678,,newsletter,03/04/1992,Acme,,website,\n",
]
BAD = "赵六,12345,not-an-email,,2024-02-30,,火星人,,\n"


def run(data: bytes | str, by, *, filename: str = "customers.csv", **options):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with acting_as(by, "cli"):
        return import_file(data=data, filename=filename, by=by, options=ImportOptions(**options))


def counts(summary) -> tuple[int, int, int, int, int]:
    d = summary.as_dict()
    return d["rows"], d["created"], d["updated"], d["skipped"], d["rejected"]


def test_good_rows_become_customers_through_the_services(owner):
    summary = run((HEADER + "".join(GOOD)).encode("gbk"), owner)
    assert counts(summary) == (3, 3, 0, 0, 0)
    assert summary.written
    zhang = Customer.objects.get(name="张伟")
    assert zhang.primary_phone == "+8613800138000"
    assert zhang.primary_email == "zw@example.com"
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    assert str(zhang.birthday) == "1990-05-01"
    assert (zhang.gender, zhang.source, zhang.owner) == ("male", "wechat", owner)
    assert zhang.company.name == "星光设计"
    assert zhang.interactions.get().body == "喜欢绿茶"
    li = Customer.objects.get(name="李娜")
    assert (str(li.birthday), li.gender, li.source) == ("1991-02-03", "female", "referral")
    assert sorted(li.tags.values_list("name", flat=True)) == ["VIP", "北京"]
    wang = Customer.objects.get(name="Wang Fang")
    assert str(wang.birthday) == "1992-04-03"  # day first by default
    assert wang.primary_phone == "+861012345678"
    assert Company.objects.count() == 2


def test_month_first_date_order_reads_ambiguous_dates_the_us_way(owner):
    run("Name,Birthday\nAnn,03/04/1992\nBob,13/04/1992\n", owner, date_order="mdy")
    assert str(Customer.objects.get(name="Ann").birthday) == "1992-03-04"
    assert str(Customer.objects.get(name="Bob").birthday) == "1992-04-13"  # 13 is a day


def test_atomic_mode_writes_nothing_when_one_row_is_rejected(owner):
    audit_before = AuditEntry.objects.exclude(action="import").count()
    summary = run(HEADER + "".join(GOOD) + BAD, owner, mode="atomic")
    assert counts(summary) == (4, 3, 0, 0, 1)
    assert not summary.written
    assert Customer.objects.count() == 0
    assert Company.objects.count() == 0
    assert Interaction.objects.count() == 0
    assert AuditEntry.objects.exclude(action="import").count() == audit_before
    assert AuditEntry.objects.get(action="import").changes["written"] is False


def test_partial_mode_writes_the_good_rows_and_reports_each_bad_cell(owner):
    summary = run(HEADER + GOOD[0] + BAD + GOOD[1], owner, mode="partial")
    assert counts(summary) == (3, 2, 0, 0, 1)
    assert summary.written
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["张伟", "李娜"]
    assert [(p.line, p.column, p.value) for p in summary.problems] == [
        (3, "手机", "12345"),
        (3, "邮箱", "not-an-email"),
        (3, "生日", "2024-02-30"),
        (3, "性别", "火星人"),
    ]
    reasons = [p.reason for p in summary.problems]
    assert "not a valid phone number" in reasons[0]
    assert reasons[1] == "“not-an-email” is not an email address."
    assert reasons[2] == "“2024-02-30” is not a real date."
    assert reasons[3].startswith("“火星人” is not a known gender")


def test_line_numbers_count_multiline_cells(owner):
    data = 'Name,Notes,Email\nAnn,"line one\nline two",ann@example.com\nBob,x,bad@\n'
    summary = run(data, owner, mode="partial")
    assert [(p.line, p.column) for p in summary.problems] == [(4, "Email")]
    assert Customer.objects.get().interactions.get().body == "line one\nline two"


def test_xlsx_problems_name_the_sheet_row(owner):
    from tests.customers.test_import_reading import xlsx_bytes

    data = xlsx_bytes([["Name", "Phone"], ["Ann", 13800138000], [None, None], ["Bob", "abc"]])
    summary = run(data, owner, filename="list.xlsx", mode="partial")
    assert counts(summary) == (2, 1, 0, 0, 1)
    assert [(p.line, p.column, p.value) for p in summary.problems] == [(4, "Phone", "abc")]
    assert Customer.objects.get().primary_phone == "+8613800138000"


def test_rerunning_the_same_file_creates_no_duplicates(owner):
    data = HEADER + "".join(GOOD)
    run(data, owner)
    again = run(data, owner)
    assert counts(again) == (3, 0, 0, 3, 0)
    assert Customer.objects.count() == 3
    assert Interaction.objects.count() == 1
    updated = run(data, owner, on_duplicate="update")
    assert counts(updated) == (3, 0, 0, 3, 0)  # nothing new: unchanged rows are skipped
    assert {o.detail for o in updated.result.outcomes} == {"unchanged"}
    assert Customer.objects.filter(version=1).count() == 3


def test_update_mode_adds_details_and_never_removes_them(owner, as_owner):
    zhang = services.customer_create(
        by=owner,
        name="张伟",
        emails=["old@example.com"],
        phones=["13800138000"],
        tags=["老客户"],
        data={"city": "上海"},
    )
    data = "姓名,手机,邮箱,标签,城市,微信号\n张伟,138 0013 8000,new@example.com,VIP,,zw88\n"
    summary = run(data, owner, on_duplicate="update")
    assert counts(summary) == (1, 0, 1, 0, 0)
    assert summary.result.outcomes[0].detail == "phone"
    zhang.refresh_from_db()
    assert list(zhang.emails.values_list("email", flat=True)) == [
        "old@example.com",
        "new@example.com",
    ]
    assert list(zhang.phones.values_list("e164", flat=True)) == ["+8613800138000"]
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    assert (zhang.city, zhang.wechat_id, zhang.version) == ("上海", "zw88", 2)


def test_create_mode_creates_another_record_for_a_match(owner, as_owner):
    services.customer_create(by=owner, name="Ann", emails=["ann@example.com"])
    summary = run("Name,Email\nAnn,ANN@example.com\n", owner, on_duplicate="create")
    assert counts(summary) == (1, 1, 0, 0, 0)
    assert Customer.objects.filter(name="Ann").count() == 2


def test_create_mode_creates_rows_matching_several_customers(owner, as_owner):
    """Three people sharing a phone (the services allow it) import back in create mode,
    where skip and update modes refuse the ambiguous row."""
    services.customer_create(by=owner, name="Ann", phones=["13900139001"])
    services.customer_create(by=owner, name="Bob", phones=["13900139001"])
    data = "Name,Phone\nCai,+8613900139001\n"
    summary = run(data, owner, on_duplicate="skip", mode="partial")
    assert counts(summary)[-1] == 1  # rejected: matches several customers
    summary = run(data + "Dai,+8613900139001\n", owner, on_duplicate="create")
    assert counts(summary) == (2, 2, 0, 0, 0)
    assert Customer.objects.filter(phones__e164="+8613900139001").count() == 4


def test_matching_prefers_external_id_and_refuses_ambiguous_rows(owner, as_owner):
    a = services.customer_create(by=owner, name="A", emails=["a@example.com"])
    b = services.customer_create(by=owner, name="B", phones=["13800138000"])
    c = services.customer_create(by=owner, name="C", data={"external_id": "X-1"})
    data = (
        "Name,Email,Phone,ID\n"
        "A2,a@example.com,13800138000,\n"  # email → A, phone → B: ambiguous
        "C2,a@example.com,,X-1\n"  # external ID wins over the email
        "D,a@example.com,,X-2\n"  # A has no external ID: matched by email
    )
    summary = run(data, owner, on_duplicate="update", mode="partial")
    assert [o.action for o in summary.result.outcomes] == ["rejected", "updated", "updated"]
    problem = summary.problems[0]
    assert (problem.line, problem.column) == (2, "Email")
    assert f"#{a.pk} A (email)" in problem.reason and f"#{b.pk} B (phone)" in problem.reason
    c.refresh_from_db()
    a.refresh_from_db()
    assert (c.name, a.name, a.external_id) == ("C2", "D", "X-2")


def test_rows_matching_within_the_same_file_are_duplicates_too(owner):
    summary = run("Name,Email\nAnn,ann@example.com\nAnnie,Ann@Example.com\n", owner)
    assert counts(summary) == (2, 1, 0, 1, 0)
    assert Customer.objects.get().name == "Ann"


def test_service_validation_errors_name_the_column(owner):
    long_name = "x" * 250
    summary = run(f"Name,WeChat\n{long_name},ok\n", owner, mode="partial")
    assert counts(summary) == (1, 0, 0, 0, 1)
    problem = summary.problems[0]
    assert (problem.line, problem.column) == (2, "Name")
    assert "at most 200 characters" in problem.reason


def test_required_name_and_extra_cells_are_reported(owner):
    data = "Name,Email\n,ann@example.com\nBob,bob@example.com,unexpected\n"
    summary = run(data, owner, mode="partial")
    assert [(p.line, p.column) for p in summary.problems] == [(2, "Name"), (3, "Column 3")]
    assert "header has 2 columns" in summary.problems[1].reason


def test_custom_fields_are_suggested_by_label_and_validated(owner, as_owner):
    custom_field_definition_create(by=owner, target="customer", key="level", label="会员等级",
                                   field_type="choice", choices=["金", "银"])  # fmt: skip
    custom_field_definition_create(by=owner, target="customer", key="joined", label="入会日期",
                                   field_type="date")  # fmt: skip
    data = "姓名,会员等级,入会日期\n张伟,金,2024/3/5\n李娜,铜,2024/3/6\n"
    summary = run(data, owner, mode="partial")
    assert counts(summary) == (2, 1, 0, 0, 1)
    assert Customer.objects.get().custom_fields == {"level": "金", "joined": "2024-03-05"}
    problem = summary.problems[0]
    assert (problem.line, problem.column, problem.value) == (3, "会员等级", "铜")
    assert "金, 银" in problem.reason


def test_first_and_last_names_are_joined(owner):
    run("First name,Last name\nAnn,Lee\n", owner)
    run("名,姓\n伟,张\n", owner)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Ann Lee", "张伟"]


def test_consent_and_export_style_values_are_read(owner):
    data = "Name,Marketing consent,Phone\nAnn,是,'+8613800138000\nBob,denied,\nCai,unknown,\n"
    run(data, owner)
    consent = dict(Customer.objects.values_list("name", "consent_status"))
    assert consent == {"Ann": "granted", "Bob": "denied", "Cai": "unknown"}
    assert Customer.objects.get(name="Ann").consent_source == "import: customers.csv"
    assert Customer.objects.get(name="Ann").primary_phone == "+8613800138000"


def test_companies_import_and_match_by_name_or_domain(owner, as_owner):
    services.company_create(by=owner, name="Acme", data={"domain": "acme.com"})
    data = (
        "公司名称,网址,行业,规模\n"
        "ACME,,制造,35\n"
        "星光设计,https://xg.cn/,设计,5\n"
        "New Acme,acme.com,,\n"
    )
    summary = run(data, owner, kind="companies", on_duplicate="update")
    assert counts(summary) == (3, 1, 2, 0, 0)
    acme = Company.objects.get(domain="acme.com")
    assert (acme.name, acme.industry, acme.size) == ("New Acme", "制造", "11-50")
    assert Company.objects.get(name="星光设计").domain == "xg.cn"


def test_an_import_leaves_one_audit_entry_with_the_counts(owner):
    run(HEADER + GOOD[0] + BAD, owner, mode="partial")
    entry = AuditEntry.objects.get(action="import")
    assert (entry.actor_id, entry.channel, entry.object_type) == (
        owner.pk,
        "cli",
        "customers.customer",
    )
    assert entry.object_repr == "import of customers.csv"
    changes = entry.changes
    assert (changes["rows"], changes["created"], changes["rejected"]) == (2, 1, 1)
    assert changes["mode"] == "partial" and changes["written"] is True
    assert len(changes["sha256"]) == 64
    assert AuditEntry.objects.filter(action="create", object_type="customers.customer").count() == 1


def test_refused_files_are_audited_and_write_nothing(owner):
    summary = run(b"\x00\x01\x02" * 100, owner)
    assert summary.refused == "This looks like a binary file, not a CSV or XLSX file."
    assert counts(summary) == (0, 0, 0, 0, 0)
    assert AuditEntry.objects.get(action="import").changes["refused"] == summary.refused


def test_a_dry_run_writes_and_audits_nothing(owner):
    audit_before = AuditEntry.objects.count()
    summary = run(HEADER + "".join(GOOD), owner, dry_run=True)
    assert counts(summary) == (3, 3, 0, 0, 0)
    assert not summary.written
    assert Customer.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_mapping_without_a_name_column_is_refused(owner):
    summary = run("Phone\n13800138000\n", owner)
    assert summary.refused == "The column mapping cannot be used: no column is mapped to Name."
    bad_mapping = {"Phone": "name", "Nope": "phones", "Mobile": "shoe_size"}
    with acting_as(owner, "cli"):
        summary = import_file(
            data=b"Phone,Mobile\n1,2\n",
            filename="a.csv",
            by=owner,
            options=ImportOptions(),
            mapping=bad_mapping,
        )
    assert "“Nope” is not in the file" in summary.refused
    assert "“shoe_size” (for column “Mobile”) is not a field" in summary.refused


def test_viewers_cannot_import(viewer):
    with pytest.raises(PermissionDenied):
        run("Name\nAnn\n", viewer)
    assert Customer.objects.count() == 0


def test_limited_member_owns_what_they_import_and_cannot_update_others(
    owner, member, limit_members, as_owner
):
    services.customer_create(by=owner, name="Owner's", emails=["o@example.com"])
    data = "Name,Email\nMine,m@example.com\nTheirs,o@example.com\n"
    summary = run(data, member, on_duplicate="update", mode="partial")
    assert counts(summary) == (2, 1, 0, 0, 1)
    assert Customer.objects.get(name="Mine").owner == member
    assert Customer.objects.filter(name="Owner's").exists()
    assert summary.problems[0].line == 3


def test_cyclic_gc_is_paused_during_an_import_and_restored_after(owner):
    """Automatic cyclic collection is off while the rows are written (each batch's young
    objects are collected by hand) and back on afterwards, even when the import fails."""
    import gc

    import pytest

    seen: list[bool] = []
    data = b"Name,Phone\nAnn,13800138000\nBob,13900139000\n"

    def watch(done: int, total: int) -> None:
        seen.append(gc.isenabled())

    with acting_as(owner, "cli"):
        summary = import_file(
            data=data, filename="c.csv", by=owner, options=ImportOptions(), progress=watch
        )
    assert summary.as_dict()["created"] == 2
    assert seen and not any(seen)
    assert gc.isenabled()

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop")

    with acting_as(owner, "cli"), pytest.raises(RuntimeError):
        import_file(data=data, filename="c.csv", by=owner, options=ImportOptions(), progress=fail)
    assert gc.isenabled()
