"""Import in the UI (upload → columns → preview → job → report) and through the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from solocrm.core.models import AuditEntry, Job
from solocrm.customers.importing import uploads
from solocrm.customers.importing.tasks import import_task
from solocrm.customers.models import Customer

CSV = "姓名,手机,邮箱\n张伟,13800138000,zw@example.com\n赵六,12345,zl@example.com\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content: bytes, name: str = "客户.csv", kind: str = "customers"):
    return client.post(
        reverse("customers:import_upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def test_ui_flow_from_upload_to_report(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    response = upload(client, CSV.encode("gbk"))
    assert response.status_code == 302
    mapping_url = response["Location"]
    token = mapping_url.split("/")[-3]
    page = client.get(mapping_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "张伟" in html and "gb18030" in html
    assert '<option value="phones" selected>' in html  # 手机 suggested as a phone
    response = client.post(
        mapping_url,
        {"column_0": "name", "column_1": "phones", "column_2": "emails",
         "mode": "partial", "on_duplicate": "skip", "date_order": "dmy"},
    )  # fmt: skip
    assert response.status_code == 302
    preview_url = reverse("customers:import_preview", args=[token])
    assert response["Location"] == preview_url
    preview = client.get(preview_url).content.decode()
    assert "1 would be created, 0 updated, 0 skipped, 1 rejected" in preview
    assert "“12345”" in preview or "12345" in preview
    assert Customer.objects.count() == 0  # the preview writes nothing
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(preview_url)
    job = Job.objects.get()
    assert response["Location"] == reverse("customers:import_job", args=[job.pk])
    assert (job.kind, job.created_by, job.parameters["mode"]) == ("import", owner, "partial")
    import_task.call(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.result["created"], job.result["rejected"], job.result["report"]) == (1, 1, True)
    assert job.progress_done == job.progress_total == 4
    assert Customer.objects.get().name == "张伟"
    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert reverse("customers:import_report", args=[job.pk]) in page
    report = client.get(reverse("customers:import_report", args=[job.pk]))
    assert (
        b"".join(report.streaming_content)
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("3,手机,12345,")
    )
    assert uploads.upload_get(token=token, user=owner) is None  # the upload is removed
    entry = AuditEntry.objects.get(action="import")
    assert (entry.channel, entry.actor_id) == ("job", owner.pk)


def test_refused_upload_shows_the_reason_and_stores_nothing(client, owner, settings):
    client.force_login(owner)
    response = upload(client, b"Name,Phone\n")
    assert response.status_code == 200
    assert "The file has a header row but no data rows." in response.content.decode()
    assert not (settings.MEDIA_ROOT / "imports").exists()


def test_refusals_are_given_in_the_users_language(client, owner):
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"
    page = upload(client, b"Name,Phone\n").content.decode()
    assert "文件只有表头行，没有数据行。" in page
    page = upload(client, b"Name;Phone;City\nAnn;1;X\nBob,2,Y\n").content.decode()
    assert "第 3 行用逗号分隔，而文件用分号分隔" in page


def test_mapping_errors_are_shown(client, owner):
    client.force_login(owner)
    mapping_url = upload(client, CSV.encode())["Location"]
    response = client.post(
        mapping_url,
        {"column_0": "", "column_1": "phones", "column_2": "emails",
         "mode": "atomic", "on_duplicate": "skip", "date_order": "dmy"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "no column is mapped to Name" in response.content.decode()


def test_uploads_and_jobs_belong_to_their_user(client, owner, make_user):
    other = make_user("owner")
    client.force_login(owner)
    mapping_url = upload(client, CSV.encode())["Location"]
    client.force_login(other)
    assert client.get(mapping_url).status_code == 404


def test_viewers_cannot_import(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("customers:import_upload")).status_code == 403
    assert upload(client, CSV.encode()).status_code == 403


def test_api_imports_at_once_and_reports_problems(client, owner):
    client.force_login(owner)
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("c.csv", CSV.encode()), "background": "false",
         "mode": "partial"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"], body["written"]) == (2, 1, 1, True)
    assert body["problems"][0]["line"] == 3 and body["problems"][0]["column"] == "手机"
    assert Customer.objects.count() == 1


def test_api_queues_a_job_in_the_background(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    mapping = json.dumps({"邮箱": ""})
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/api/v1/imports",
            {"file": SimpleUploadedFile("c.csv", CSV.encode()), "mapping": mapping},
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    assert response.json()["status_url"] == f"/api/v1/jobs/{job_id}"
    import_task.call(job_id=job_id)
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert (job["status"], job["result"]["rejected"], job["result"]["written"]) == (
        "succeeded",
        1,
        False,
    )
    assert Customer.objects.count() == 0  # atomic by default
    report = client.get(f"/api/v1/imports/{job_id}/report")
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("3,手机,12345,")


def test_api_refuses_unreadable_files_and_bad_mappings_with_422(client, owner):
    client.force_login(owner)
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("c.csv", b"\x00" * 64)})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("c.csv", CSV.encode()), "mapping": "[1]"},
    )
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "mapping")
    assert not Job.objects.exists()


def test_api_viewer_is_forbidden(client, viewer):
    client.force_login(viewer)
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("c.csv", CSV.encode())})
    assert response.status_code == 403


def test_abandoned_uploads_are_pruned(owner):
    old = uploads.upload_store(data=b"Name\nAnn\n", filename="a.csv", user=owner)
    assert uploads.uploads_prune(older_than=dt.timedelta(days=1)) == 0
    assert uploads.uploads_prune(older_than=dt.timedelta(seconds=-1)) == 1
    assert uploads.upload_get(token=old.token, user=owner) is None


def test_import_pages_have_no_inline_script_or_style(client, owner):
    client.force_login(owner)
    page = client.get(reverse("customers:import_upload"))
    assert page.status_code == 200
    mapping = client.get(upload(client, CSV.encode())["Location"])
    for response in (page, mapping):
        assert b"<script>" not in response.content
        assert b" style=" not in response.content
