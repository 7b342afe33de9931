import pytest
from django.urls import reverse

from solocrm.customers import services
from solocrm.customers.merge import customer_merge
from solocrm.customers.merge_models import CustomerMerge
from solocrm.customers.models import Customer

MERGED_INTO = '<small class="muted">merged into'  # how the trash marks a merged record


@pytest.fixture
def pair(make_customer):
    survivor = make_customer("Zhang Wei", emails=["zw@acme.cn"], data={"city": "Beijing"})
    merged = make_customer("Wei Zhang", emails=["ZW@acme.cn"], data={"wechat_id": "wz"})
    return survivor, merged


def test_duplicates_page_lists_pairs_with_score_and_reason(owner_client, pair):
    survivor, merged = pair
    response = owner_client.get(reverse("customers:duplicates"))
    assert response.status_code == 200
    assert [(p.first, p.second, p.score) for p in response.context["pairs"]] == [
        (survivor, merged, 100)
    ]
    html = response.content.decode()
    assert "same email zw@acme.cn" in html
    assert f"?survivor={survivor.pk}&amp;merged={merged.pk}" in html


def test_form_fragment_warns_about_possible_duplicates(owner_client, pair):
    survivor, merged = pair
    response = owner_client.get(
        reverse("customers:duplicates_check"),
        {"name": "Someone", "emails": "zw@ACME.cn", "exclude": survivor.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert [m.customer for m in response.context["matches"]] == [merged]
    assert "Possible duplicates" in response.content.decode()
    empty = owner_client.get(reverse("customers:duplicates_check"), {"name": "Nobody"})
    assert "Possible duplicates" not in empty.content.decode()


def test_merge_page_preview_follows_the_choices(owner_client, pair):
    survivor, merged = pair
    url = reverse("customers:merge")
    response = owner_client.get(url, {"survivor": survivor.pk, "merged": merged.pk})
    assert response.status_code == 200
    rows = {row.name: row for row in response.context["preview"].fields}
    assert (rows["name"].choice, rows["wechat_id"].choice) == ("survivor", "merged")
    fragment = owner_client.get(
        url,
        {"survivor": survivor.pk, "merged": merged.pk, "field_name": "merged"},
        headers={"HX-Request": "true"},
    )
    html = fragment.content.decode()
    assert '<div id="merge-preview">' in html
    assert "<html" not in html
    assert '<input type="radio" name="field_name" value="merged" checked>' in html


def test_merge_page_post_merges_and_redirects_to_the_survivor(owner_client, pair):
    survivor, merged = pair
    response = owner_client.post(
        reverse("customers:merge"),
        {
            "survivor": survivor.pk,
            "merged": merged.pk,
            "survivor_version": survivor.version,
            "merged_version": merged.version,
            "field_name": "merged",
        },
    )
    assert response.status_code == 303
    assert response.url == reverse("customers:customer_detail", args=[survivor.pk])
    assert Customer.objects.get(pk=survivor.pk).name == "Wei Zhang"
    assert Customer.objects.get(pk=merged.pk).deleted_at is not None


def test_merge_page_post_with_a_stale_version_is_refused(owner, owner_client, pair):
    survivor, merged = pair
    services.customer_update(customer=merged, by=owner, data={"country": "CN"})
    response = owner_client.post(
        reverse("customers:merge"),
        {
            "survivor": survivor.pk,
            "merged": merged.pk,
            "survivor_version": survivor.version,
            "merged_version": 1,
        },
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert not CustomerMerge.objects.exists()


def test_viewer_cannot_open_the_merge_page(client, viewer, pair):
    survivor, merged = pair
    client.force_login(viewer)
    url = reverse("customers:merge")
    assert client.get(url, {"survivor": survivor.pk, "merged": merged.pk}).status_code == 403


def test_merges_list_undo_button_and_refusal(owner, owner_client, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    listing = owner_client.get(reverse("customers:merge_list"), {"customer": survivor.pk})
    assert list(listing.context["page"].object_list) == [merge]
    assert reverse("customers:merge_undo", args=[merge.pk]) in listing.content.decode()

    response = owner_client.post(
        reverse("customers:merge_undo", args=[merge.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 303
    assert response.url == reverse("customers:merge_list")
    assert Customer.objects.get(pk=merged.pk).deleted_at is None
    refused = owner_client.post(reverse("customers:merge_undo", args=[merge.pk]), follow=True)
    assert "already undone" in refused.content.decode()


def test_customer_forms_ask_for_possible_duplicates(owner_client, pair):
    survivor, _merged = pair
    edit = owner_client.get(reverse("customers:customer_edit", args=[survivor.pk]))
    html = edit.content.decode()
    assert f'hx-get="{reverse("customers:duplicates_check")}"' in html
    assert f'{{"exclude": "{survivor.pk}"}}' in html
    create = owner_client.get(reverse("customers:customer_create")).content.decode()
    assert '{"exclude": ""}' in create


def test_customer_page_lists_its_merges_and_undo_comes_back_to_it(owner, owner_client, pair):
    survivor, merged = pair
    detail = reverse("customers:customer_detail", args=[survivor.pk])
    assert 'id="merges"' not in owner_client.get(detail).content.decode()  # none yet
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    html = owner_client.get(detail).content.decode()
    assert 'id="merges"' in html
    undo = reverse("customers:merge_undo", args=[merge.pk])
    assert f'action="{undo}"' in html
    assert f'<input type="hidden" name="next" value="{detail}">' in html
    response = owner_client.post(undo, {"next": detail})
    assert (response.status_code, response.url) == (303, detail)
    assert Customer.objects.get(pk=merged.pk).deleted_at is None
    after = owner_client.get(detail).content.decode()
    assert "undone" in after and f'action="{undo}"' not in after


def test_customer_page_says_why_a_merge_can_no_longer_be_undone(owner, owner_client, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    services.customer_update(
        customer=Customer.objects.get(pk=survivor.pk), by=owner, data={"country": "CN"}
    )
    html = owner_client.get(reverse("customers:customer_detail", args=[survivor.pk]))
    html = html.content.decode()
    assert reverse("customers:merge_undo", args=[merge.pk]) not in html
    assert "was changed after the merge" in html


def test_trash_marks_merged_records_and_offers_undo_instead_of_restore(
    owner, owner_client, pair, make_customer
):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    plain = make_customer("Plain Trash")
    services.customer_delete(customer=plain, by=owner)
    html = owner_client.get(reverse("customers:trash")).content.decode()
    assert MERGED_INTO in html
    assert reverse("customers:customer_detail", args=[survivor.pk]) in html
    assert reverse("customers:merge_undo", args=[merge.pk]) in html
    assert reverse("customers:customer_restore", args=[merged.pk]) not in html
    assert reverse("customers:customer_restore", args=[plain.pk]) in html
    response = owner_client.post(
        reverse("customers:merge_undo", args=[merge.pk]), {"next": reverse("customers:trash")}
    )
    assert response.url == reverse("customers:trash")
    merged.refresh_from_db()
    assert merged.deleted_at is None and merged.emails.get().email == "zw@acme.cn"
    assert MERGED_INTO not in owner_client.get(reverse("customers:trash")).content.decode()


def test_trash_offers_a_plain_restore_once_the_merge_cannot_be_undone(owner, owner_client, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    services.customer_update(
        customer=Customer.objects.get(pk=survivor.pk), by=owner, data={"country": "CN"}
    )
    html = owner_client.get(reverse("customers:trash")).content.decode()
    assert MERGED_INTO in html and "was changed after the merge" in html
    assert reverse("customers:merge_undo", args=[merge.pk]) not in html
    assert reverse("customers:customer_restore", args=[merged.pk]) in html


def test_viewers_see_merges_without_undo(client, viewer, owner, pair):
    survivor, merged = pair
    merge = customer_merge(survivor=survivor, merged=merged, by=owner)
    client.force_login(viewer)
    detail = client.get(reverse("customers:customer_detail", args=[survivor.pk])).content.decode()
    trash = client.get(reverse("customers:trash")).content.decode()
    assert 'id="merges"' in detail and MERGED_INTO in trash
    for html in (detail, trash):
        assert reverse("customers:merge_undo", args=[merge.pk]) not in html
