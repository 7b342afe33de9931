"""Rows that resemble stored customers are imported and listed as warnings."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from solocrm.core.context import acting_as
from solocrm.core.models import Job
from solocrm.customers import services
from solocrm.customers.duplicates import find_duplicates_for
from solocrm.customers.importing import uploads
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.importing.tasks import import_task
from solocrm.customers.models import Company, Customer
from tests.customers.test_import_cli import run_cli


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(data: str, by, **options):
    with acting_as(by, "cli"):
        return import_file(
            data=data.encode("utf-8"), filename="c.csv", by=by, options=ImportOptions(**options)
        )


@pytest.fixture
def stored(owner, as_owner):
    acme = services.company_create(by=owner, name="Acme")
    return {
        "zhang": services.customer_create(
            by=owner, name="张伟", phones=["13800138000"], data={"city": "杭州"}
        ),
        "wei": services.customer_create(by=owner, name="Wei Wang", data={"company": acme}),
        "ann": services.customer_create(by=owner, name="Ann", emails=["ann@example.com"]),
        "acme": acme,
    }


def test_similar_rows_are_imported_and_warned_about(owner, stored):
    data = (
        "姓名,城市,公司,手机,邮箱\n"
        "张伟,杭州,,13900139000,\n"  # same name, same city, another phone
        "李娜,杭州,,,\n"  # nobody like her
        "Wang Wei,,Acme,,\n"  # reversed name at the same company
        "Annie,,,,ann@example.com\n"  # the same email: an exact match, skipped
        "张伟,上海,,,\n"  # another city: another person
    )
    summary = run(data, owner, mode="partial")
    counts = summary.as_dict()
    assert [counts[k] for k in ("rows", "created", "updated", "skipped", "rejected")] == [
        5, 4, 0, 1, 0,
    ]  # fmt: skip
    assert counts["warnings"] == 2  # not part of created + updated + skipped + rejected
    zhang, wei = stored["zhang"], stored["wei"]
    first, second = summary.warnings
    new_zhang = Customer.objects.get(name="张伟", phones__e164="+8613900139000")
    assert (first.line, first.column, first.value, first.record_id) == (
        2,
        "姓名",
        "张伟",
        new_zhang.pk,
    )
    assert first.similar == (
        {
            "customer_id": zhang.pk,
            "name": "张伟",
            "score": 80,
            "reason": "similar name (100%) in the same city",
        },
    )
    assert first.reason == (
        f"Imported, but looks like #{zhang.pk} 张伟 (similar name (100%) in the same city): "
        "merge them if they are the same person."
    )
    assert (second.line, second.similar[0]["customer_id"]) == (4, wei.pk)
    assert "at the same company" in second.reason


def test_a_row_is_compared_with_earlier_rows_of_the_file_not_later_ones(owner):
    data = "Name,City,Email\nLi Lei,Beijing,a@example.com\nLi  Lei,beijing,b@example.com\n"
    summary = run(data, owner)
    first = Customer.objects.get(emails__email="a@example.com")
    assert [(w.line, w.similar[0]["customer_id"]) for w in summary.warnings] == [(3, first.pk)]


def test_another_external_id_with_the_same_email_is_created_and_warned_about(owner, stored):
    services.customer_update(customer=stored["ann"], by=owner, data={"external_id": "X-1"})
    summary = run("ID,Name,Email\nX-2,Anne,ann@example.com\n", owner)
    assert summary.as_dict()["created"] == 1
    [warning] = summary.warnings
    assert warning.similar[0]["customer_id"] == stored["ann"].pk
    assert warning.similar[0]["score"] == 100


def test_limited_members_are_warned_only_about_customers_they_see(
    owner, member, limit_members, stored
):
    summary = run("姓名,城市\n张伟,杭州\n", member)
    assert summary.as_dict()["created"] == 1
    assert summary.warnings == []


def test_warnings_agree_with_find_duplicates_for(owner, as_owner):
    """For each new customer, the warning names what ``find_duplicates_for`` finds among
    the customers stored before it."""
    rng = random.Random(5)
    names = ["张伟", "张玮", "李娜", "Zhang Wei", "Wei Zhang", "Zhang Wie", "Anna Lee", "Ana Lee"]
    cities = ["", "杭州", "Beijing", "beijing"]
    companies = {
        "": None,
        **{n: services.company_create(by=owner, name=n) for n in ("Acme", "星光")},
    }
    phones = ["", "", "", "13800138000", "13900139000"]
    for _i in range(15):
        services.customer_create(
            by=owner,
            name=rng.choice(names),
            phones=[p for p in [rng.choice(phones)] if p],
            data={"city": rng.choice(cities), "company": companies[rng.choice(list(companies))]},
        )
    lines = [
        f"{rng.choice(names)},{rng.choice(cities)},{rng.choice(list(companies))},"
        f"{rng.choice(phones)}"
        for _i in range(60)
    ]
    data = "Name,City,Company,Phone\n" + "\n".join(lines) + "\n"
    summary = run(data, owner, on_duplicate="create", mode="partial")
    warned = {w.record_id: [s["customer_id"] for s in w.similar] for w in summary.warnings}
    checked = 0
    for outcome in summary.result.outcomes:
        if outcome.action != "created" or outcome.matched_by:
            continue
        customer = Customer.objects.get(pk=outcome.record_id)
        expected = [
            match.customer.pk
            for match in find_duplicates_for(
                name=customer.name,
                phones=list(customer.phones.values_list("e164", flat=True)),
                company_id=customer.company_id,
                city=customer.city,
                exclude_id=customer.pk,
                user=owner,
                limit=100,
            )
            if match.customer.pk < customer.pk
        ][:3]
        assert warned.get(customer.pk, []) == expected, customer
        checked += bool(expected)
    assert checked >= 5


def test_report_cli_and_json_list_the_warnings(owner, stored, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,城市\n张伟,杭州\n李娜,杭州\n", encoding="utf-8")
    status, out, _err = run_cli("customers", str(path), "--json")
    assert status == 0  # a warning is not a rejection
    summary = json.loads(out)
    assert (summary["created"], summary["rejected"], summary["warnings"]) == (2, 0, 1)
    assert summary["report"] == str(tmp_path / "c.report.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "c.report.csv").read_text("utf-8-sig"))))
    assert rows[0] == ["line", "column", "value", "reason"]
    assert rows[1][:3] == ["2", "姓名", "张伟"]
    assert rows[1][3].startswith(f"Imported, but looks like #{stored['zhang'].pk} 张伟")
    status, out, _err = run_cli("customers", str(path), "--on-duplicate", "create")
    assert status == 0
    assert "2 rows look like existing customers" in out


def test_job_page_lists_the_warnings_with_links_to_compare(
    client, owner, stored, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    upload = uploads.upload_store(
        data="姓名,城市\n张伟,杭州\n".encode(), filename="c.csv", user=owner
    )
    uploads.upload_options_set(upload, {"kind": "customers", "mode": "partial", "mapping": {}})
    from solocrm.customers.importing.tasks import import_job_create

    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_create(upload=upload, user=owner)
    import_task.call(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.result["created"], job.result["warnings"], job.result["report"]) == (1, 1, True)
    new = Customer.objects.latest("pk")
    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "Possible duplicates" in page
    merge_url = reverse("customers:merge") + f"?survivor={stored['zhang'].pk}&amp;merged={new.pk}"
    assert merge_url in page
    assert reverse("customers:customer_detail", args=[new.pk]) in page


def test_preview_and_api_show_the_warnings(client, owner, stored):
    client.force_login(owner)
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("c.csv", "姓名,城市\n张伟,杭州\n".encode()),
         "background": "false", "dry_run": "true"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["warnings"], body["written"]) == (1, 1, False)
    assert body["warning_rows"][0]["similar"][0]["customer_id"] == stored["zhang"].pk
    assert Customer.objects.count() == 3
    upload = uploads.upload_store(
        data="姓名,城市\n张伟,杭州\n".encode(), filename="c.csv", user=owner
    )
    options = {"mode": "atomic", "on_duplicate": "skip", "date_order": "dmy", "mapping": {}}
    uploads.upload_options_set(upload, {"kind": "customers", **options})
    page = client.get(reverse("customers:import_preview", args=[upload.token])).content.decode()
    assert "Possible duplicates" in page and f"#{stored['zhang'].pk} 张伟" in page
    assert reverse("customers:merge") not in page  # nothing was written: nothing to merge yet


def test_companies_import_has_no_warnings(owner, stored):
    summary = run("公司名称\nAcme Inc\n", owner, kind="companies")
    assert summary.as_dict()["warnings"] == 0
    assert Company.objects.count() == 2


def test_new_customers_are_scored_as_the_database_reads_them_back(owner, stored, monkeypatch):
    """The batch hands the duplicate check the records it wrote (``new_record``) instead
    of reading them back: they must be what ``scoring_records`` reads."""
    from solocrm.customers.duplicates import scoring_records
    from solocrm.customers.duplicates_batch import LikelyDuplicates

    handed = []
    expect = LikelyDuplicates.expect

    def spy(self, records, *, sharers=None):
        records = list(records)
        handed.extend(records)
        expect(self, records, sharers=sharers)

    monkeypatch.setattr(LikelyDuplicates, "expect", spy)
    data = (
        "姓名,城市,公司,手机,邮箱\n"
        "张伟,杭州 ,Acme,13900139000;+1 415 555 2671,Zhang.Wei@Example.COM;zw@qq.com\n"
        "李娜,  上海,新公司,010-1234 5678,\n"
        "Wang Wei,,,,\n"
    )
    summary = run(data, owner, mode="atomic")
    assert summary.as_dict()["created"] == 3, summary.as_dict()
    assert len(handed) == 3
    read_back = scoring_records(Customer.objects.filter(pk__in=[r.id for r in handed]))
    assert sorted(handed, key=lambda r: r.id) == sorted(read_back, key=lambda r: r.id)
    assert {e for r in handed for e in r.emails} == {"zhang.wei@example.com", "zw@qq.com"}


@pytest.mark.parametrize("batch_rows", [1000, 2])
def test_contacts_shared_are_known_without_asking_the_database(
    owner, stored, monkeypatch, batch_rows
):
    """Who else has a new customer's email or phone comes from the batch's match index
    (``sharers``): it must be what the database says once the rows are written, among
    the customers stored before it that the user sees, whatever the batch boundaries."""
    from solocrm.customers.duplicates_batch import LikelyDuplicates
    from solocrm.customers.importing import engine

    monkeypatch.setattr(engine, "BATCH_ROWS", batch_rows)
    services.customer_create(
        by=owner, name="Bo", emails=["bo@example.com"], data={"external_id": "X-1"}
    )
    trashed = services.customer_create(by=owner, name="Cy", emails=["cy@example.com"])
    services.customer_delete(by=owner, customer=trashed)
    handed: dict[int, set[int]] = {}
    expect = LikelyDuplicates.expect

    def spy(self, records, *, sharers=None):
        handed.update(sharers or {})
        expect(self, records, sharers=sharers)

    monkeypatch.setattr(LikelyDuplicates, "expect", spy)
    data = (
        "客户编号,姓名,手机,邮箱\n"
        "X-2,Bo Two,,bo@example.com\n"  # another external ID: created, shares Bo's email
        "X-3,Bo Three,13911112222,bo@example.com\n"  # and Bo Two's
        "X-4,Cy Two,,cy@example.com\n"  # the owner of this one is in the trash
        "X-5,Dee,13911112222,\n"
        "X-6,Dee Two,13911112222,\n"  # shares with a row of the file
        "X-7,Eve,,eve@example.com\n"
    )
    summary = run(data, owner, mode="atomic")
    assert summary.as_dict()["created"] == 6, summary.as_dict()
    new = {c.external_id: c.pk for c in Customer.objects.filter(external_id__gte="X-2")}
    assert set(handed) == set(new.values())
    from solocrm.customers.duplicates import scoring_records

    duplicates = LikelyDuplicates(user=owner)
    records = scoring_records(Customer.objects.filter(pk__in=new.values()))
    from_database = duplicates._shared_contacts(records)
    visible = duplicates._visible_sharers(handed)
    for pk, shared in from_database.items():
        assert visible[pk] == {other for other in shared if other < pk}, pk
    bo = Customer.objects.get(external_id="X-1").pk
    assert visible[new["X-3"]] == {bo, new["X-2"]}
    assert visible[new["X-4"]] == set()
    assert visible[new["X-6"]] == {new["X-3"], new["X-5"]}
    assert visible[new["X-7"]] == set()
    warned = {w.record_id for w in summary.warnings}
    assert {new["X-2"], new["X-3"], new["X-6"]} <= warned
