"""Merging two near-duplicate customers in a real browser: the duplicates page finds the
pair, the merge page takes field-by-field choices with an htmx preview, the merge moves
the interactions over, and "Undo" on the kept customer's page brings both back."""

import pytest

from solocrm.customers import services
from solocrm.customers.models import Customer, Interaction

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_pair(owner) -> tuple[Customer, Customer]:
    kept = services.customer_create(
        by=owner,
        name="张伟",
        emails=["zw@example.com"],
        phones=["138 0013 8000"],
        data={"city": "上海", "country": "中国"},
    )
    other = services.customer_create(
        by=owner,
        name="张 伟",
        emails=["zhang.wei@qq.com"],
        phones=["+86 138-0013-8000"],
        tags=["VIP"],
        data={"city": "上海", "country": "China", "wechat_id": "zw_wx"},
    )
    for subject in ("首次电话", "寄送样品"):
        services.interaction_create(by=owner, customer=kept, kind="call", subject=subject)
    services.interaction_create(by=owner, customer=other, kind="meeting", subject="展会见面")
    return kept, other


def subjects(customer: Customer) -> list[str]:
    return sorted(Interaction.objects.filter(customer=customer).values_list("subject", flat=True))


def test_merge_two_near_duplicates_then_undo(page, live_server, login):
    owner = login(page)
    kept, other = make_pair(owner)
    page.on("dialog", lambda dialog: dialog.accept())  # "Undo this merge?"

    page.goto(f"{live_server.url}/customers/duplicates/")
    row = page.locator("table.list tbody tr").filter(has_text="张 伟")
    assert row.count() == 1
    assert "same phone +8613800138000" in row.inner_text()
    row.locator("a.button").click()
    page.wait_for_url(f"{live_server.url}/customers/merge/?*")
    if page.locator("input[name=survivor]").input_value() != str(kept.pk):
        page.click("text=Keep the other record instead")
        page.wait_for_url(f"{live_server.url}/customers/merge/?survivor={kept.pk}*")
    assert page.locator("input[name=merged]").input_value() == str(other.pk)

    preview = page.locator("#merge-preview")

    def result(field: str) -> str:
        radio = preview.locator(f"input[name=field_{field}]").first
        return radio.locator("xpath=ancestor::tr").locator("td").nth(2).inner_text()

    # Defaults: the kept record's values, or the other's where the kept one is empty.
    assert result("name") == "张伟"
    assert result("wechat_id") == "zw_wx"
    assert result("country") == "中国"
    with page.expect_response(lambda r: "/customers/merge/" in r.url and "field_country" in r.url):
        preview.locator("input[name=field_country][value=merged]").check()
    assert result("country") == "China"  # the htmx preview follows the choice
    combined = preview.locator("dl.result").inner_text()
    assert "zw@example.com, zhang.wei@qq.com" in combined
    assert "+8613800138000" in combined and "VIP" in combined
    moves = preview.locator("dl.result dd").last.inner_text()
    assert "interactions: 1" in moves  # the other's meeting moves over

    page.click("#merge-form button.primary")
    page.wait_for_url(f"{live_server.url}/customers/{kept.pk}/")
    assert "Merged “张 伟” into “张伟”" in page.locator("body").inner_text()
    timeline = page.locator("#activity ol.timeline").inner_text()
    assert "展会见面" in timeline and "首次电话" in timeline
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.name, kept.country, kept.wechat_id) == ("张伟", "China", "zw_wx")
    assert sorted(kept.emails.values_list("email", flat=True)) == [
        "zhang.wei@qq.com",
        "zw@example.com",
    ]
    assert list(kept.tags.values_list("name", flat=True)) == ["VIP"]
    assert subjects(kept) == ["寄送样品", "展会见面", "首次电话"]
    assert other.deleted_at is not None

    # Undo from the kept customer's page.
    merges = page.locator("#merges")
    assert "张 伟" in merges.inner_text()
    merges.locator("button", has_text="Undo").click()
    page.wait_for_url(f"{live_server.url}/customers/{kept.pk}/")
    page.locator("text=Merge undone").wait_for()
    assert "undone" in page.locator("#merges").inner_text()
    kept.refresh_from_db()
    other.refresh_from_db()
    assert other.deleted_at is None
    assert (kept.country, kept.wechat_id) == ("中国", "")
    assert subjects(kept) == ["寄送样品", "首次电话"]
    assert subjects(other) == ["展会见面"]
    assert list(kept.emails.values_list("email", flat=True)) == ["zw@example.com"]
    assert not kept.tags.exists()
    page.goto(f"{live_server.url}/customers/{other.pk}/")
    assert page.locator("h1").inner_text() == "张 伟"
    assert "展会见面" in page.locator("#activity ol.timeline").inner_text()
