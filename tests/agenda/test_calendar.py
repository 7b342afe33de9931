import datetime as dt

from django.utils import timezone

from solocrm.agenda import services
from solocrm.agenda.ics import calendar_for, escape_text, fold
from solocrm.agenda.models import CalendarFeed
from solocrm.core.models import AuditEntry


def test_text_is_escaped():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_folding_keeps_lines_within_75_octets_and_characters_whole():
    line = "SUMMARY:" + "客户回访" * 30
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert fold("SHORT:1") == "SHORT:1"


def unfold(text):
    return text.replace("\r\n ", "")


def test_feed_has_tasks_with_alarms_and_deal_close_dates(
    owner, make_task, make_customer, make_deal
):
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    customer = make_customer("李娜")
    task = make_task(
        "Call, then quote; 报价", due_at=soon, remind_at=soon - dt.timedelta(minutes=15),
        customer=customer, notes="line one\nline two",
    )  # fmt: skip
    make_task("Not dated")
    done = make_task("Done", due_at=soon)
    services.task_complete(task=done, by=owner)
    deal = make_deal("Big deal", expected_close_date=soon.date())
    text = calendar_for(owner)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    flat = unfold(text)
    assert flat.count("BEGIN:VEVENT") == 2
    stamp = soon.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"UID:task-{task.pk}@127.0.0.1\r\n" in flat
    assert f"DTSTART:{stamp}\r\n" in flat
    assert "SUMMARY:Call\\, then quote\\; 报价\r\n" in flat
    assert "DESCRIPTION:李娜\\nline one\\nline two\r\n" in flat
    alarm = (soon - dt.timedelta(minutes=15)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"TRIGGER;VALUE=DATE-TIME:{alarm}\r\n" in flat
    assert f"UID:deal-close-{deal.pk}@127.0.0.1\r\n" in flat
    assert f"DTSTART;VALUE=DATE:{soon.date():%Y%m%d}\r\n" in flat
    assert "SUMMARY:Expected close: Big deal\r\n" in flat
    assert "Not dated" not in flat and "SUMMARY:Done" not in flat


def test_feed_url_works_until_regenerated_or_revoked(client, owner, make_task):
    make_task("Visible", due_at=timezone.now() + dt.timedelta(days=1))
    feed, secret = services.calendar_feed_create(user=owner)
    assert feed.digest != secret and secret.startswith("cal_") and feed.prefix == secret[:12]
    response = client.get(f"/agenda/calendar/{secret}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Visible" in response.content.decode()
    assert CalendarFeed.objects.get().last_used_at is not None
    _feed, new_secret = services.calendar_feed_create(user=owner)
    assert client.get(f"/agenda/calendar/{secret}.ics").status_code == 404
    assert client.get(f"/agenda/calendar/{new_secret}.ics").status_code == 200
    assert services.calendar_feed_revoke(user=owner) is True
    assert client.get(f"/agenda/calendar/{new_secret}.ics").status_code == 404
    assert CalendarFeed.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="agenda.calendarfeed").count() == 3


def test_feed_shows_only_the_users_own_entries(client, owner, member, make_task):
    make_task("Owner's", due_at=timezone.now() + dt.timedelta(days=1))
    make_task("Member's", by=member, due_at=timezone.now() + dt.timedelta(days=1))
    _feed, secret = services.calendar_feed_create(user=member)
    body = client.get(f"/agenda/calendar/{secret}.ics").content.decode()
    assert "SUMMARY:Member's" in body and "Owner's" not in body


def test_settings_page_shows_the_address_once(client, owner):
    client.force_login(owner)
    page = client.post("/agenda/calendar/", {"action": "create"})
    assert page.status_code == 200
    url = page.context["secret_url"]
    assert url.startswith("http://testserver/agenda/calendar/cal_") and url.endswith(".ics")
    again = client.get("/agenda/calendar/")
    assert again.context["secret_url"] == "" and url not in again.content.decode()
    client.post("/agenda/calendar/", {"action": "revoke"})
    assert CalendarFeed.objects.count() == 0


def test_viewers_have_no_feed(client, viewer):
    client.force_login(viewer)
    assert client.post("/agenda/calendar/", {"action": "create"}).status_code == 403
    assert CalendarFeed.objects.count() == 0
