"""The import wizard in a real browser: a GBK file with Chinese headers is uploaded, its
columns mapped (one changed by hand), previewed with a rejected row, and run by the real
django-tasks database worker while the page polls its progress; then the counts, the
report and the customers.

The worker is django_tasks_db's own ``Worker`` loop (what ``solocrm worker`` runs), in
batch mode in the test's thread: that thread shares its database connection with the
live server (the SQLite test database lives in memory), so the job is queued by the
browser's request, stays queued until the worker runs, and is picked up like in
production.
"""

from pathlib import Path

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from solocrm.core.models import Job
from solocrm.customers.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "姓名,手机,邮箱,公司,标签,所在地\n"
    "张伟,138 0013 8000,zw@example.com,云帆科技,VIP;老客户,上海\n"
    "李娜,13900139000,LN@Example.com,,newsletter,北京\n"
    "赵六,12345,zl@example.com,,,深圳\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_worker() -> None:
    """Run every queued task once, as ``solocrm worker --batch`` would."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="e2e-worker",
        excluded_queue_names=[],
    ).run()


def upload_and_map(page, live_server, tmp_path: Path, mode: str) -> None:
    """Upload the file, check the suggested columns, map 所在地 to City by hand."""
    path = tmp_path / "客户名单.csv"
    path.write_bytes(CSV.encode("gbk"))
    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("#id_file", str(path))
    page.click("form[enctype] button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/customers/import/*/columns/")
    assert "gb18030" in page.locator("main").inner_text()  # GBK read as its superset
    suggested = [page.locator(f"#id_column_{index}").input_value() for index in range(6)]
    assert suggested == ["name", "phones", "emails", "company", "tags", ""]
    assert "上海" in page.locator("table.list tbody tr").nth(5).inner_text()  # first values
    page.select_option("#id_column_5", "city")
    page.select_option("#id_mode", mode)
    page.click("form button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/customers/import/*/preview/")


def check_preview(page) -> None:
    text = page.locator("main").inner_text()
    assert "2 would be created, 0 updated, 0 skipped, 1 rejected." in text
    problems = page.locator("table.list").nth(1).locator("tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[:3] == ["4", "手机", "12345"]  # line 4 of the file: header is line 1
    assert Customer.objects.count() == 0  # the preview writes nothing


def run_and_watch(page) -> Job:
    """Start the import; the page shows it queued, then the worker runs it and the
    polling progress fragment reaches "succeeded"."""
    page.click("form button[type=submit].primary")
    page.wait_for_url("**/customers/import/jobs/*/")
    progress = page.locator("#import-progress")
    assert "queued" in progress.inner_text()
    assert progress.get_attribute("hx-trigger") == "every 1s"  # polling while it runs
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED
    with page.expect_response(lambda r: f"/import/jobs/{job.pk}/" in r.url):
        pass  # let one poll finish, then run the worker between polls
    run_worker()
    page.locator("#import-progress dl.result").wait_for()
    assert "succeeded" in page.locator("#import-progress").inner_text()
    assert page.locator("#import-progress progress").get_attribute("value") == "100"
    assert page.locator("#import-progress").get_attribute("hx-trigger") is None  # stopped
    job.refresh_from_db()
    return job


def counts_shown(page) -> dict[str, str]:
    result = page.locator("#import-progress dl.result")
    terms = result.locator("dt").all_inner_texts()
    values = result.locator("dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_import_a_gbk_file_in_the_browser_partial_mode(page, live_server, login, tmp_path):
    login(page)
    upload_and_map(page, live_server, tmp_path, mode="partial")
    check_preview(page)
    job = run_and_watch(page)
    assert job.status == Job.Status.SUCCEEDED
    counts = counts_shown(page)
    assert (counts["Rows"], counts["Created"], counts["Rejected"]) == ("3", "2", "1")
    with page.expect_download() as download:
        page.click("#import-progress a.button")
    report = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert download.value.suggested_filename == f"import-{job.pk}-report.csv"
    assert report[1].startswith("4,手机,12345,")
    assert len(report) == 2
    zhang = Customer.objects.get(name="张伟")
    assert zhang.city == "上海"  # the column mapped by hand
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["VIP", "老客户"]
    assert list(zhang.phones.values_list("e164", flat=True)) == ["+8613800138000"]
    li = Customer.objects.get(name="李娜")
    assert list(li.emails.values_list("email", flat=True)) == ["ln@example.com"]
    assert not Customer.objects.filter(name="赵六").exists()  # reported, not written


def test_import_at_375px_all_or_nothing_writes_nothing(browser, live_server, login, tmp_path):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    login(page)
    upload_and_map(page, live_server, tmp_path, mode="atomic")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the preview scrolls sideways by {overflow}px at 375px"
    check_preview(page)
    job = run_and_watch(page)
    counts = counts_shown(page)
    assert (counts["Created"], counts["Rejected"]) == ("2", "1")  # would have been
    assert "Nothing was written" in page.locator("#import-progress").inner_text()
    assert job.result["written"] is False
    assert Customer.objects.count() == 0
    context.close()
