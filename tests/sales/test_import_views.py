"""Importing products and orders in the UI: upload → columns → preview → job → report,
with the orders options (an unknown customer created or rejected), and permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from solocrm.core.models import Job
from solocrm.customers.importing import uploads
from solocrm.customers.models import Customer
from solocrm.sales.import_jobs import sales_import_task
from solocrm.sales.models import Order, Product

ORDERS = (
    "订单号,下单时间,邮箱,手机,货号,商品,数量,单价\n"
    "A-1,2025-03-05 14:30,zw@example.com,,TEA-1,,2,\n"
    "A-1,,,,,Gift box,1,30\n"
    "A-2,2025-03-06,new@example.com,,,Cup,1,8.50\n"
)
PRODUCTS = "货号,商品名称,单价\nT-1,西湖龙井,128.00\nT-2,白瓷杯,35.5\nT-3,,1\n"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def _upload(client, content: str, kind: str, name: str = "file.csv"):
    return client.post(
        "/sales/import/", {"kind": kind, "file": SimpleUploadedFile(name, content.encode())}
    )


def _options(**extra) -> dict:
    return {"mode": "partial", "on_duplicate": "skip", "date_order": "dmy", **extra}


def _run(client, preview_url: str, capture) -> Job:
    with capture(execute=False):
        response = client.post(preview_url)
    job = Job.objects.latest("pk")
    assert response["Location"] == f"/customers/import/jobs/{job.pk}/"
    sales_import_task.call(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_orders_flow_rejects_unknown_customers_and_reports(
    client, owner, make_customer, make_product, django_capture_on_commit_callbacks
):
    make_product("20.00", sku="TEA-1", name="Longjing")
    zw = make_customer("张伟", emails=["zw@example.com"])
    client.force_login(owner)
    response = _upload(client, ORDERS, "orders")
    assert response.status_code == 302
    mapping_url = response["Location"]
    token = mapping_url.split("/")[-3]
    html = client.get(mapping_url).content.decode()
    assert 'name="unknown_customers"' in html
    assert (
        '<option value="create">' not in html.split('name="on_duplicate"')[1].split("</select>")[0]
    )
    suggested = client.get(mapping_url).context["form"].initial
    form = {f"column_{i}": suggested[f"column_{i}"] for i in range(8)}
    assert form["column_0"] == "number" and form["column_2"] == "customer_email"
    response = client.post(mapping_url, {**form, **_options(), "unknown_customers": "reject"})
    assert response.status_code == 302
    preview_url = f"/sales/import/{token}/preview/"
    assert response["Location"] == preview_url
    preview = client.get(preview_url).content.decode()
    assert "2 would be created, 0 updated, 0 skipped, 1 rejected." in preview
    assert "The rows make 2 orders." in preview
    assert Order.objects.count() == 0  # the preview writes nothing
    job = _run(client, preview_url, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.result["created"], job.result["rejected"], job.result["report"]) == (2, 1, True)
    order = Order.objects.get()
    assert (order.number, order.customer, order.total) == ("A-1", zw, Decimal("70.00"))
    page = client.get(f"/customers/import/jobs/{job.pk}/").content.decode()
    assert f"/customers/import/jobs/{job.pk}/report/" in page
    assert 'href="/sales/import/">' in page  # "Import another file" leads back to sales
    report = client.get(f"/customers/import/jobs/{job.pk}/report/")
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("4,")  # the rejected row, named by its line
    assert uploads.upload_get(token=token, user=owner) is None


def test_orders_can_create_unknown_customers_owned_by_the_importer(
    client, member, make_product, django_capture_on_commit_callbacks
):
    client.force_login(member)
    mapping_url = _upload(client, ORDERS, "orders")["Location"]
    token = mapping_url.split("/")[-3]
    suggested = client.get(mapping_url).context["form"].initial
    form = {f"column_{i}": suggested[f"column_{i}"] for i in range(8)}
    form["column_4"] = ""  # no SKU column: the TEA-1 line has no price and is rejected
    client.post(mapping_url, {**form, **_options(), "unknown_customers": "create"})
    job = _run(client, f"/sales/import/{token}/preview/", django_capture_on_commit_callbacks)
    assert (job.result["created"], job.result["rejected"]) == (1, 2)
    created = Customer.objects.get(emails__email="new@example.com")
    assert created.owner == member
    assert Order.objects.get().customer == created


def test_products_flow_and_a_mapping_error_names_the_problem(
    client, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    mapping_url = _upload(client, PRODUCTS, "products")["Location"]
    token = mapping_url.split("/")[-3]
    html = client.get(mapping_url).content.decode()
    assert 'name="unknown_customers"' not in html
    response = client.post(
        mapping_url, {"column_1": "name", "column_2": "unit_price", **_options()}
    )
    assert response.status_code == 200
    assert "no column is mapped to SKU" in response.content.decode()
    response = client.post(
        mapping_url,
        {"column_0": "sku", "column_1": "name", "column_2": "unit_price", **_options()},
    )
    assert response.status_code == 302
    preview = client.get(f"/sales/import/{token}/preview/").content.decode()
    assert "2 would be created, 0 updated, 0 skipped, 1 rejected." in preview
    job = _run(client, f"/sales/import/{token}/preview/", django_capture_on_commit_callbacks)
    assert job.result["created"] == 2
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["T-1", "T-2"]


def test_a_refused_file_names_the_reason(client, owner):
    client.force_login(owner)
    response = _upload(client, "", "orders")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_viewers_cannot_import_and_uploads_belong_to_their_user(client, owner, member, viewer):
    client.force_login(viewer)
    assert client.get("/sales/import/").status_code == 403
    assert _upload(client, PRODUCTS, "products").status_code == 403
    client.force_login(owner)
    mapping_url = _upload(client, PRODUCTS, "products")["Location"]
    client.force_login(member)
    assert client.get(mapping_url).status_code == 404
    assert client.post(mapping_url.replace("columns", "cancel")).status_code == 404


def test_a_customers_upload_is_not_a_sales_upload(client, owner):
    client.force_login(owner)
    response = client.post(
        "/customers/import/",
        {"kind": "customers", "file": SimpleUploadedFile("c.csv", b"name\nA\n")},
    )
    token = response["Location"].split("/")[-3]
    assert client.get(f"/sales/import/{token}/columns/").status_code == 404


def test_the_lists_link_to_the_import_for_writers_only(client, owner, viewer):
    client.force_login(owner)
    assert 'href="/sales/import/?kind=orders"' in client.get("/sales/orders/").content.decode()
    assert 'href="/sales/import/?kind=products"' in client.get("/sales/products/").content.decode()
    page = client.get("/sales/import/?kind=orders").content.decode()
    assert '<option value="orders" selected>' in page
    client.force_login(viewer)
    assert "/sales/import/" not in client.get("/sales/orders/").content.decode()
