"""Stored XSS: script, event-handler, ``javascript:`` and template payloads in every text
field of customers, companies, interactions, contacts, tags, custom fields and saved
views are shown as text on every page (and returned verbatim by the API).

The fields come from the models (every editable CharField/TextField without choices), so
a new text field gets a payload without touching this test. Values are written with
``QuerySet.update`` after the records are made through the services: validation would
refuse some payloads (an email, a phone), but an old import or a future bug could store
them, and the pages must still show them as text. Each page is parsed with
``html.parser``: no element may carry the payloads' ``data-xss`` marker or an ``on*``
attribute, no inline script may exist, and no link may use ``javascript:``.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import models
from django.urls import reverse
from django.utils.html import escape

from solocrm.core.custom_fields import CustomFieldDefinition, custom_field_definition_create
from solocrm.core.tags import Tag, tag_create
from solocrm.customers import merge, services
from solocrm.customers.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Interaction,
    SavedView,
)
from solocrm.customers.services._base import customer_search_text_refresh
from solocrm.customers.services.saved_views import saved_view_create

MARKER = "data-xss"
# Longest first: each field gets the longest payload that fits its max_length.
PAYLOADS = [
    "Xss\"'><script data-xss>alert(1)</script><img src=x onerror=alert(1) data-xss>"
    "</textarea><svg onload=alert(1) data-xss>{{7*7}}{% debug %}",
    "Xss\"'></textarea><svg onload=alert(1) data-xss>{{7*7}}<script data-xss>alert(1)</script>",
    "Xss\"'><img src=x onerror=alert(1) data-xss>",
    "\"'><b data-xss>",
    '"><b x',
]
MARKDOWN = (
    "Xss <script data-xss>alert(1)</script> <img src=x onerror=alert(1) data-xss>\n\n"
    '[click](javascript:alert(1)) <a href="javascript:alert(1)" data-xss>a</a>\n\n'
    "</textarea><svg onload=alert(1) data-xss> {{7*7}}"
)
URL_PAYLOAD = "javascript:alert(1)"
NOT_TEXT = {"key"}  # slugs checked by the model; they cannot hold markup


def payload_for(field: models.Field, *, reserve: int = 0) -> str:
    limit = (field.max_length or 10_000) - reserve
    return next(p for p in PAYLOADS if len(p) <= limit)


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """Every user text field of ``model``: editable CharField/TextField without choices."""
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
        and field.editable
        and not field.choices
        and field.name not in NOT_TEXT
    ]


def poison(obj: models.Model, **overrides: Any) -> dict[str, str]:
    """Write a payload into every text field of ``obj``; returns what was written."""
    values = {field.name: payload_for(field) for field in text_fields(type(obj))}
    values.update(overrides)
    type(obj)._default_manager.filter(pk=obj.pk).update(**values)
    return values


def poison_rows(model: type[models.Model], *, skip: frozenset[str] = frozenset()) -> int:
    """Write a payload into every text field (but ``skip``) of every row of ``model``;
    unique fields get the row's id after it. Returns how many rows were changed."""
    fields = [field for field in text_fields(model) if field.name not in skip]
    assert fields, model
    unique = {field.name for field in fields if field.unique}
    for constraint in model._meta.constraints:
        unique.update(getattr(constraint, "fields", ()))
    for together in model._meta.unique_together:
        unique.update(together)
    ids = list(model._base_manager.values_list("pk", flat=True))
    for pk in ids:
        values = {}
        for field in fields:
            suffix = str(pk) if field.name in unique else ""
            values[field.name] = payload_for(field, reserve=len(suffix)) + suffix
        model._base_manager.filter(pk=pk).update(**values)
    return len(ids)


class Injected(HTMLParser):
    """Collects the markup a payload would have injected, if any."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        self.text += [value for name, value in attrs if value and name in {"value", "title"}]
        if MARKER in names:
            self.problems.append(f"<{tag}> with {MARKER}")
        if handlers := sorted(n for n in names if n.startswith("on")):
            self.problems.append(f"<{tag}> with {handlers}")
        for name, value in attrs:
            if name in {"href", "src", "action", "formaction", "hx-get", "hx-post"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append("an inline <script>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"script text {data[:40]!r}")
        self.text.append(data)


def assert_no_injection(html: str, where: str) -> str:
    """Fail if ``html`` holds injected markup; returns the page's text (with the values
    of form fields) for more checks."""
    parser = Injected()
    parser.feed(html)
    parser.close()
    assert not parser.problems, f"{where}: {parser.problems}"
    return "".join(parser.text)


def get_page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


@pytest.fixture
def poisoned(owner) -> dict[str, Any]:
    """Customers, a company, interactions, a tag, custom fields and a saved view, all of
    whose text fields hold payloads."""
    definitions = {}
    for field_type in ("text", "long_text", "url", "choice", "multiple_choice"):
        choices = ["ok", PAYLOADS[2]] if "choice" in field_type else []
        for target in ("customer", "company"):
            definitions[target, field_type] = custom_field_definition_create(
                by=owner,
                target=target,
                key=f"x_{field_type}",
                label=field_type,
                field_type=field_type,
                choices=choices,
            )
    for definition in definitions.values():
        poison(definition, label=f"{definition.field_type} {PAYLOADS[2]}")
    custom = {
        "x_text": PAYLOADS[0],
        "x_long_text": PAYLOADS[0] + "\n" + PAYLOADS[1],
        "x_url": URL_PAYLOAD,
        "x_choice": PAYLOADS[2],
        "x_multiple_choice": [PAYLOADS[2], "ok"],
    }
    tag = tag_create(by=owner, name="benign")
    poison(tag)
    company = services.company_create(by=owner, name="Benign Co")
    poison(company, domain=URL_PAYLOAD, custom_fields=custom)
    records = []
    for number in range(4):
        customer = services.customer_create(
            by=owner,
            name=f"Benign {number}",
            emails=[f"b{number}@example.com"],
            phones=[f"138 0013 800{number}"],
            tags=[tag],
        )
        Customer.objects.filter(pk=customer.pk).update(company=company)
        poison(customer, external_id=f"{PAYLOADS[2]}{number}", custom_fields=custom)
        CustomerEmail.objects.filter(customer=customer).update(
            email=f"{PAYLOADS[3]}@example.com"  # the same on all: a duplicate pair
        )
        CustomerPhone.objects.filter(customer=customer).update(raw=PAYLOADS[2])
        interaction = services.interaction_create(by=owner, customer=customer, subject="benign")
        poison(interaction, body=MARKDOWN)
        records.append(customer)
    customer_search_text_refresh([c.pk for c in records])
    saved = saved_view_create(user=owner, name="benign", query_string="q=Xss")
    poison(saved)
    survivor, merged = (Customer.objects.get(pk=c.pk) for c in records[2:])
    merge.customer_merge(survivor=survivor, merged=merged, by=owner)
    trashed = Customer.objects.get(pk=records[1].pk)
    services.customer_delete(customer=trashed, by=owner)
    return {
        "customer": Customer.objects.get(pk=records[0].pk),
        "other": Customer.objects.get(pk=records[2].pk),
        "company": Company.objects.get(pk=company.pk),
        "tag": Tag.objects.get(pk=tag.pk),
        "definition": definitions["customer", "choice"],
        "interaction": Interaction.objects.filter(customer=records[0]).get(),
        "saved_view": SavedView.objects.get(pk=saved.pk),
    }


def test_the_checker_finds_injected_markup():
    for payload in PAYLOADS[:4]:
        with pytest.raises(AssertionError):
            assert_no_injection(f"<p>{payload}</p>", "raw")
    with pytest.raises(AssertionError):
        assert_no_injection('<a href=" JavaScript:alert(1)">x</a>', "link")
    text = assert_no_injection(f"<p>{escape(PAYLOADS[0])}</p>", "escaped")
    assert text == PAYLOADS[0]


def test_every_text_field_is_covered(poisoned):
    """The models' text fields hold the payload (the list is read from the models)."""
    customer = poisoned["customer"]
    for field in text_fields(Customer):
        assert getattr(customer, field.name).startswith(("Xss", '"')), field.name
    names = {field.name for field in text_fields(Customer)}
    assert {"name", "wechat_id", "address", "city", "country", "consent_source"} <= names
    assert {"subject", "body"} <= {field.name for field in text_fields(Interaction)}
    assert {"name", "domain", "industry", "address"} <= {f.name for f in text_fields(Company)}
    assert {"label"} <= {f.name for f in text_fields(CustomFieldDefinition)}


def test_customer_pages_show_payloads_as_text(client, owner, poisoned):
    client.force_login(owner)
    customer, company = poisoned["customer"], poisoned["company"]
    interaction = poisoned["interaction"]
    pages = {
        "list": reverse("customers:customer_list"),
        "list, every column": reverse("customers:customer_list")
        + "?columns=name&columns=email&columns=phone&columns=tags&columns=city"
        "&columns=wechat_id&columns=company&columns=created",
        "search": reverse("customers:customer_list") + "?q=Xss",
        "detail": reverse("customers:customer_detail", args=[customer.pk]),
        "edit": reverse("customers:customer_edit", args=[customer.pk]),
        "interaction edit": reverse(
            "customers:interaction_edit", args=[customer.pk, interaction.pk]
        ),
        "new customer": reverse("customers:customer_create"),
        "companies": reverse("customers:company_list"),
        "company": reverse("customers:company_detail", args=[company.pk]),
        "company edit": reverse("customers:company_edit", args=[company.pk]),
        "duplicates": reverse("customers:duplicates"),
        "duplicates check": reverse("customers:duplicates_check")
        + f"?name=Xss&emails={PAYLOADS[3]}@example.com",
        "merge": reverse("customers:merge")
        + f"?survivor={customer.pk}&merged={poisoned['other'].pk}",
        "merges": reverse("customers:merge_list"),
        "trash": reverse("customers:trash"),
        "tags": reverse("customers:tags"),
        "tag edit": reverse("customers:tag_edit", args=[poisoned["tag"].pk]),
        "custom fields": reverse("customers:custom_fields"),
        "custom field edit": reverse(
            "customers:custom_field_edit", args=[poisoned["definition"].pk]
        ),
        "today": reverse("web:home"),
        "audit log": reverse("web:audit_log"),
    }
    texts = {name: assert_no_injection(get_page(client, url), name) for name, url in pages.items()}
    # The payloads are on the pages, as text (so the checks above looked at them).
    shown_as_text = {
        "list": [customer.name, poisoned["tag"].name, poisoned["saved_view"].name],
        "search": [customer.name],
        "detail": [customer.name, customer.city, customer.wechat_id, PAYLOADS[2], URL_PAYLOAD],
        "edit": [customer.name, customer.address, customer.country],
        "interaction edit": ["<script data-xss>alert(1)</script>"],
        "company": [company.name, company.industry, URL_PAYLOAD, PAYLOADS[0]],
        "company edit": [company.name, company.address],
        "duplicates": [customer.name],
        "merge": [customer.name, poisoned["other"].name],
        "merges": [poisoned["other"].name],
        "trash": [PAYLOADS[0]],
        "tags": [poisoned["tag"].name],
        "custom fields": [PAYLOADS[2]],
    }
    for page, values in shown_as_text.items():
        for value in values:
            assert value in texts[page], f"{page} does not show {value[:30]!r} as text"
    detail = get_page(client, pages["detail"])
    assert "{{7*7}}" in detail and "alert(1)" in detail  # shown, not evaluated or dropped


def test_markdown_bodies_are_sanitised(client, owner, poisoned):
    client.force_login(owner)
    customer = poisoned["customer"]
    html = get_page(client, reverse("customers:customer_detail", args=[customer.pk]))
    assert_no_injection(html, "timeline")
    assert 'href="javascript' not in html.lower()
    assert "click" in html  # the link's text stays


def test_api_returns_payloads_verbatim_as_json(client, owner, poisoned):
    client.force_login(owner)
    customer, company = poisoned["customer"], poisoned["company"]
    for url in (
        f"/api/v1/customers/{customer.pk}",
        "/api/v1/customers",
        f"/api/v1/companies/{company.pk}",
        f"/api/v1/customers/{customer.pk}/interactions",
        "/api/v1/saved-views",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
    body = client.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["name"] == customer.name
    assert body["custom_fields"]["x_url"] == URL_PAYLOAD


def test_import_pages_show_file_contents_as_text(client, owner, settings, tmp_path):
    """Headers, values and the file name of an upload are user input too: the columns
    page, the preview (with a rejected row quoting its value), the job page, the jobs
    list and the report show them as text."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from solocrm.core.models import Job
    from solocrm.customers.importing.tasks import import_task

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(owner)
    header, value = PAYLOADS[2], PAYLOADS[1]
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["姓名", "手机", header],
            [value, "13800138000", "x"],
            [f"{value} 2", PAYLOADS[3], "y"],
            [f"张伟 {PAYLOADS[4]}", "13900139000", "z"],
        ]
    )
    name = 'x"><img src=x onerror=alert(1) data-xss>.csv'
    response = client.post(
        reverse("customers:import_upload"),
        {"kind": "customers", "file": SimpleUploadedFile(name, out.getvalue().encode())},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    mapping_url = response["Location"]
    text = assert_no_injection(get_page(client, mapping_url), "columns")
    assert header in text and value[:35] in text  # first values are cut at 40 characters
    response = client.post(
        mapping_url,
        {"column_0": "name", "column_1": "phones", "column_2": "notes",
         "mode": "partial", "on_duplicate": "skip", "date_order": "dmy"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    preview_url = response["Location"]
    text = assert_no_injection(get_page(client, preview_url), "preview")
    assert PAYLOADS[3] in text  # the rejected phone, quoted in the problems table
    response = client.post(preview_url)
    job = Job.objects.get()
    import_task.call(job_id=job.pk)
    job_page = reverse("customers:import_job", args=[job.pk])
    assert_no_injection(get_page(client, job_page), "import job")
    assert_no_injection(get_page(client, reverse("web:jobs")), "jobs")
    customer = Customer.objects.get(name=value)
    detail = get_page(client, reverse("customers:customer_detail", args=[customer.pk]))
    assert_no_injection(detail, "imported customer")
    report = client.get(reverse("customers:import_report", args=[job.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert PAYLOADS[3] in b"".join(report.streaming_content).decode("utf-8-sig")
