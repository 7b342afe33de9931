"""Stored XSS in sales: payloads in every text field of products, orders and their lines,
pipelines, stages and deals (read from the models) are shown as text on every sales page,
the customer's page and the board, and returned verbatim by the API.

Small demo data gives every kind of record; then every text field of every row gets a
payload (see ``tests/customers/test_xss.py`` for the payloads and the HTML checks).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from solocrm.core.demo import demo_load
from solocrm.customers.models import Company, Customer
from solocrm.sales.models import Deal, Order, OrderLine, Pipeline, Product, Stage
from tests.customers.test_xss import (
    PAYLOADS,
    assert_no_injection,
    get_page,
    poison_rows,
    text_fields,
)

MACHINE_FIELDS = frozenset({"currency"})  # ISO codes, checked on every write
SALES_MODELS = (Product, Order, OrderLine, Pipeline, Stage, Deal)


@pytest.fixture
def poisoned(owner) -> None:
    demo_load(customers=12, seed=4, owner=owner)
    for model in (*SALES_MODELS, Customer, Company):  # cards and lists show who it is for
        assert poison_rows(model, skip=MACHINE_FIELDS) > 0, model


def test_every_sales_text_field_is_covered(poisoned):
    names = {(m.__name__, f.name) for m in SALES_MODELS for f in text_fields(m)}
    assert {
        ("Product", "name"), ("Product", "sku"), ("Product", "category"),
        ("Order", "notes"), ("OrderLine", "description"), ("Deal", "title"),
        ("Deal", "next_step"), ("Deal", "lost_reason"), ("Pipeline", "name"),
        ("Stage", "name"),
    } <= names  # fmt: skip
    deal = Deal.objects.first()
    assert deal.title.startswith("Xss") and deal.next_step.startswith("Xss")


def test_sales_pages_show_payloads_as_text(client, owner, poisoned):
    client.force_login(owner)
    deal = Deal.objects.filter(lost_reason__startswith="Xss").first()
    order = Order.objects.filter(lines__isnull=False).first()
    product, pipeline, stage = (
        Product.objects.first(),
        Pipeline.objects.first(),
        Stage.objects.first(),
    )
    pages = {
        "board": reverse("sales:board"),
        "pipeline board": reverse("sales:pipeline_board", args=[pipeline.pk]),
        "deals": reverse("sales:deal_list"),
        "deal": reverse("sales:deal_detail", args=[deal.pk]),
        "deal edit": reverse("sales:deal_edit", args=[deal.pk]),
        "new deal": reverse("sales:deal_create"),
        "orders": reverse("sales:order_list"),
        "order": reverse("sales:order_detail", args=[order.pk]),
        "order edit": reverse("sales:order_edit", args=[order.pk]),
        "new order": reverse("sales:order_create"),
        "products": reverse("sales:product_list"),
        "product edit": reverse("sales:product_edit", args=[product.pk]),
        "figures": reverse("sales:figures"),
        "pipelines": reverse("sales:pipeline_list"),
        "pipeline": reverse("sales:pipeline_detail", args=[pipeline.pk]),
        "stage edit": reverse("sales:stage_edit", args=[stage.pk]),
        "customer with deals": reverse("customers:customer_detail", args=[deal.customer_id]),
        "customer with orders": reverse("customers:customer_detail", args=[order.customer_id]),
        "today": reverse("web:home"),
    }
    texts = {name: assert_no_injection(get_page(client, url), name) for name, url in pages.items()}
    line = order.lines.first()
    shown_as_text = {
        "board": [Stage.objects.filter(pipeline=pipeline).first().name, PAYLOADS[0]],
        "deals": [deal.title, Customer.objects.get(pk=deal.customer_id).name],
        "orders": [order.number, Customer.objects.get(pk=order.customer_id).name],
        "deal": [deal.title, deal.next_step, deal.lost_reason, deal.notes],
        "deal edit": [deal.title, deal.next_step],
        "order": [order.number, order.notes, line.description],
        "products": [product.name, product.sku],
        "product edit": [product.name, product.category],
        "pipelines": [pipeline.name],
        "pipeline": [stage.name] if stage.pipeline_id == pipeline.pk else [pipeline.name],
        "customer with deals": [deal.title],
    }
    for page, values in shown_as_text.items():
        for value in values:
            assert value in texts[page], f"{page} does not show {value[:30]!r} as text"


def test_sales_api_returns_payloads_as_json(client, owner, poisoned):
    client.force_login(owner)
    deal = Deal.objects.first()
    for url in ("/api/v1/deals", "/api/v1/orders", "/api/v1/products", "/api/v1/pipelines"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert "<script data-xss>alert(1)</script>" in response.content.decode(), url
    assert client.get(f"/api/v1/deals/{deal.pk}").json()["title"] == deal.title


def test_sales_import_pages_show_file_contents_as_text(
    client, owner, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The products and orders wizard shows the file name, headers and values (the
    columns page, the trial run with a rejected row quoting its value, the job page) as
    text."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from solocrm.core.models import Job
    from solocrm.sales.import_jobs import sales_import_task

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(owner)
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["货号", "商品名称", "单价", PAYLOADS[2]],
            ["T-1", PAYLOADS[1], "12.50", "x"],
            ["T-2", PAYLOADS[0], PAYLOADS[3], "y"],  # the price is rejected, quoted
        ]
    )
    name = 'p"><img src=x onerror=alert(1) data-xss>.csv'
    response = client.post(
        "/sales/import/",
        {"kind": "products", "file": SimpleUploadedFile(name, out.getvalue().encode())},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    text = assert_no_injection(page.content.decode(), "sales columns")
    assert PAYLOADS[2] in text
    suggested = page.context["form"].initial
    form = {f"column_{i}": suggested.get(f"column_{i}", "") for i in range(4)}
    form.update(mode="partial", on_duplicate="skip", date_order="dmy")
    response = client.post(mapping_url, form)
    assert response.status_code == 302, response.content.decode()[:500]
    preview_url = response["Location"]
    text = assert_no_injection(get_page(client, preview_url), "sales preview")
    assert PAYLOADS[3] in text  # the rejected price, quoted in the problems table
    with django_capture_on_commit_callbacks(execute=False):
        client.post(preview_url)
    job = Job.objects.latest("pk")
    sales_import_task.call(job_id=job.pk)
    job_page = get_page(client, reverse("customers:import_job", args=[job.pk]))
    assert_no_injection(job_page, "sales import job")
    assert Product.objects.get(sku="T-1").name == PAYLOADS[1]
