"""The order edit page: lines and totals, validation errors on the right field, the
stale-version refusal (nothing changes), status changes and permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from solocrm.sales import services
from solocrm.sales.models import Order


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _post_data(order: Order, lines: list[dict], **changes) -> dict:
    data = {
        "customer": order.customer_id,
        "number": order.number,
        "ordered_at": "2025-03-01T17:00",
        "channel": order.channel,
        "status": order.status,
        "currency": order.currency,
        "refunded_amount": "",
        "notes": order.notes,
        "version": order.version,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": min(order.lines.count(), len(lines)),  # as the page sends
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
    }
    for index, line in enumerate(lines):
        for key in ("product", "description", "quantity", "unit_price", "discount"):
            data[f"lines-{index}-{key}"] = line.get(key, "")
    data.update(changes)
    return data


def test_edit_page_shows_the_lines_and_the_version(owner_client, make_customer, make_order):
    order = make_order(make_customer())
    response = owner_client.get(f"/sales/orders/{order.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="version" value="1"' in html
    assert 'name="lines-0-description" value="Tea"' in html
    assert 'name="lines-TOTAL_FORMS" value="3"' in html  # one line and two empty ones


def test_saving_lines_recomputes_the_totals_with_decimal(
    owner_client, make_customer, make_order, make_product
):
    product = make_product("19.90")
    order = make_order(make_customer())
    lines = [
        {"product": product.pk, "quantity": "3"},
        {"description": "Gift wrap", "quantity": "1", "unit_price": "0.10", "discount": "0.05"},
    ]
    response = owner_client.post(f"/sales/orders/{order.pk}/edit/", _post_data(order, lines))
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.subtotal == Decimal("59.80")
    assert order.discount_total == Decimal("0.05")
    assert order.total == Decimal("59.75")
    assert order.version == 2
    assert [line.description for line in order.lines.order_by("position")] == [
        product.name,
        "Gift wrap",
    ]


def test_a_stale_save_says_so_and_changes_nothing(owner_client, owner, make_customer, make_order):
    order = make_order(make_customer())
    opened = _post_data(order, [{"description": "Tea", "quantity": "5", "unit_price": "1.00"}])
    services.order_update(order=order, by=owner, data={"notes": "changed meanwhile"})
    response = owner_client.post(f"/sales/orders/{order.pk}/edit/", opened)
    assert response.status_code == 409
    assert "Someone changed this order after you opened it; nothing was saved." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert (order.version, order.total, order.notes) == (2, Decimal("25.00"), "changed meanwhile")
    assert order.lines.get().quantity == Decimal("1.000")


def test_a_line_error_names_the_line_field(owner_client, make_customer, make_order):
    order = make_order(make_customer())
    response = owner_client.post(
        f"/sales/orders/{order.pk}/edit/",
        _post_data(order, [{"description": "No price", "quantity": "1"}]),
    )
    assert response.status_code == 422
    lines = response.context["lines"]
    assert lines.forms[0].errors["unit_price"] == ["A line without a product needs a unit price."]
    order.refresh_from_db()
    assert order.version == 1


def test_an_order_without_lines_is_refused(owner_client, make_customer, make_order):
    order = make_order(make_customer())
    response = owner_client.post(f"/sales/orders/{order.pk}/edit/", _post_data(order, [{}]))
    assert response.status_code == 422
    assert "An order needs at least one line." in response.content.decode()


def test_status_changes_refund_in_full_and_in_part(owner_client, make_customer, make_order):
    order = make_order(make_customer())
    line = [{"description": "Tea", "quantity": "1", "unit_price": "25.00"}]
    response = owner_client.post(
        f"/sales/orders/{order.pk}/edit/",
        _post_data(order, line, status="partially_refunded", refunded_amount="30.00"),
    )
    assert response.status_code == 422
    assert (
        response.context["form"]
        .errors["refunded_amount"][0]
        .startswith("A partial refund is more than zero and less than the total")
    )
    response = owner_client.post(
        f"/sales/orders/{order.pk}/edit/",
        _post_data(order, line, status="partially_refunded", refunded_amount="5.00"),
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("partially_refunded", Decimal("5.00"))
    response = owner_client.post(
        f"/sales/orders/{order.pk}/edit/",
        _post_data(order, line, status="cancelled", refunded_amount="5.00"),
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("cancelled", Decimal("0.00"))


def test_viewers_and_limited_members_cannot_edit_others_orders(
    client, viewer, member, limit_members, make_customer, make_order
):
    order = make_order(make_customer())
    client.force_login(viewer)
    assert client.get(f"/sales/orders/{order.pk}/edit/").status_code == 403
    client.force_login(member)
    assert client.get(f"/sales/orders/{order.pk}/edit/").status_code == 404  # not visible
    own = make_order(make_customer("Own", by=member), by=member)
    assert client.get(f"/sales/orders/{own.pk}/edit/").status_code == 200
    assert (
        f'href="/sales/orders/{own.pk}/edit/"'
        in client.get(f"/sales/orders/{own.pk}/").content.decode()
    )


def test_saving_unchanged_changes_nothing(owner_client, make_customer, make_order):
    import datetime as dt

    order = make_order(make_customer(), ordered_at=dt.datetime(2025, 3, 1, 9, 0, 5, 123456, dt.UTC))
    form = owner_client.get(f"/sales/orders/{order.pk}/edit/").context["form"]
    line = [{"description": "Tea", "quantity": "1", "unit_price": "25.00", "discount": "0"}]
    shown = form["ordered_at"].value()
    response = owner_client.post(
        f"/sales/orders/{order.pk}/edit/",
        _post_data(order, line, ordered_at=shown.strftime("%Y-%m-%dT%H:%M:%S")),
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.version == 1  # nothing changed, nothing written
