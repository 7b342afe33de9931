"""Property: an export imported into an empty database gives back the same customers.

"Loses nothing" means: every column the import reads comes back equal — name, external
ID, emails (in order, the first primary), phones (compared by their E.164 number, in
order, the first primary; the formatting someone typed is not kept), company, WeChat ID,
address, city, country, birthday, gender, source, tags, marketing consent and every
custom field (text, long text, number, decimal, date, yes/no, choice, multiple choice,
web address). Decimals compare by value ("-12.50" and "-12.5" are the same amount).
Text that starts like a formula (= + - @) comes back as it was, without the apostrophe
the export put in front, and so does text that itself starts with apostrophes. The
export-only columns (stage, tier, owner, created, updated) are not read by the import.

Values are generated as the services store them: text without surrounding whitespace
(the services tidy it), emails in lower case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solocrm.core.context import acting_as
from solocrm.core.custom_fields import custom_field_definition_create
from solocrm.core.tags import Tag
from solocrm.customers import services
from solocrm.customers.exporting import customers_export
from solocrm.customers.importing.services import ImportOptions, import_file
from solocrm.customers.models import Company, Customer
from solocrm.customers.phones import phone_normalise

FORMULA_STARTS = ["=", "+", "-", "@", "'", "''=", "'+", "=cmd|' /C calc'!A0", "-1", "@SUM("]
LETTERS = st.characters(
    codec="utf-8",
    exclude_categories=["Cc", "Cs", "Co", "Cn", "Zl", "Zp"],
    exclude_characters="\ufeff",
)
WORDS = st.sampled_from(
    ["张伟", "李娜", "Ann", "O'Brien", "Zoë", "ქართული", "🙂", "Ω", "Dr.", "Jr"]
)


def _tidy(text: str) -> str:
    return " ".join(text.split())


@st.composite
def texts(draw: st.DrawFn, max_size: int = 60, required: bool = False) -> str:
    """Text as the services store it: words from many scripts, maybe a formula start."""
    parts = draw(st.lists(st.one_of(WORDS, st.text(LETTERS, min_size=1, max_size=8)), max_size=4))
    text = _tidy(" ".join(parts))
    if draw(st.booleans()):
        text = draw(st.sampled_from(FORMULA_STARTS)) + text
    text = _tidy(text)[:max_size].strip()
    if required and not text:
        text = draw(WORDS)
    return text


EMAILS = st.lists(
    st.from_regex(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,5})?@[a-z]{2,8}\.(com|cn|org)", fullmatch=True),
    max_size=3,
    unique=True,
)
PHONES = st.lists(
    st.sampled_from(
        ["+86 139 0013 9001", "13800138002", "+8613700137003", "+1 415 555 0134", "010-12345678"]
    ),
    max_size=3,
    unique=True,
)
TAG_NAMES = st.lists(
    st.one_of(st.sampled_from(["VIP", "老客户", "=SUM(1)", "-cold", "@home"]), texts(max_size=20)),
    max_size=3,
)
CHOICES = ["gold", "silver", "=bronze", "青铜"]
DEFINITIONS = [
    ("cf_text", "CF text", "text", {}),
    ("cf_long", "CF long", "long_text", {}),
    ("cf_number", "CF number", "number", {}),
    ("cf_decimal", "CF decimal", "decimal", {}),
    ("cf_date", "CF date", "date", {}),
    ("cf_yes", "CF yes/no", "yes_no", {}),
    ("cf_choice", "CF choice", "choice", {"choices": CHOICES}),
    ("cf_multi", "CF multi", "multiple_choice", {"choices": CHOICES}),
    ("cf_url", "CF url", "url", {}),
]
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
CUSTOM = st.fixed_dictionaries(
    {},
    optional={
        "cf_text": texts(max_size=50).filter(bool),
        "cf_long": texts(max_size=200).filter(bool),
        "cf_number": st.integers(-(10**12), 10**12),
        "cf_decimal": st.decimals(
            min_value=-(10**9), max_value=10**9, places=4, allow_nan=False
        ).map(str),
        "cf_date": DATES.map(dt.date.isoformat),
        "cf_yes": st.booleans(),
        "cf_choice": st.sampled_from(CHOICES),
        "cf_multi": st.lists(st.sampled_from(CHOICES), min_size=1, unique=True),
        "cf_url": st.sampled_from(["https://example.com/a?b=1", "http://例子.cn/路径"]),
    },
)


@st.composite
def customers(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(texts(max_size=80, required=True)),
        "emails": draw(EMAILS),
        "phones": draw(PHONES),
        "tags": draw(TAG_NAMES),
        "custom_fields": draw(CUSTOM),
        "company": draw(st.one_of(st.just(""), texts(max_size=40))),
        "data": {
            "external_id": draw(st.one_of(st.none(), texts(max_size=30))) or None,
            "wechat_id": draw(texts(max_size=30)),
            "address": draw(texts(max_size=100)),
            "city": draw(texts(max_size=30)),
            "country": draw(texts(max_size=30)),
            "birthday": draw(st.one_of(st.none(), DATES)),
            "gender": draw(st.sampled_from(["", "female", "male", "other"])),
            "source": draw(st.sampled_from([c for c, _label in Customer.Source.choices])),
            "consent_status": draw(st.sampled_from(["granted", "denied", "unknown"])),
        },
    }


def _create(owner: Any, drawn: list[dict[str, Any]]) -> None:
    seen: set[str] = set()  # external IDs, emails and phones each belong to one customer
    for values in drawn:
        data = dict(values["data"])
        if data["external_id"] in seen:
            data["external_id"] = None
        emails = [e for e in values["emails"] if e not in seen]
        phones = [p for p in values["phones"] if phone_normalise(p, region="CN").e164 not in seen]
        seen |= {
            data["external_id"],
            *emails,
            *(phone_normalise(p, region="CN").e164 for p in phones),
        }
        if values["company"]:
            found = Company.objects.filter(name=values["company"]).first()
            data["company"] = found or services.company_create(by=owner, name=values["company"])
        services.customer_create(
            by=owner,
            name=values["name"],
            emails=emails,
            phones=phones,
            tags=values["tags"],
            custom_fields=values["custom_fields"],
            data=data,
        )


PLAIN_FIELDS = ("wechat_id", "address", "city", "country", "birthday", "gender", "source",
                "consent_status")  # fmt: skip


def _custom(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k == "cf_decimal" else v for k, v in stored.items()}


def _snapshot() -> list[dict[str, Any]]:
    rows = []
    customers = Customer.objects.prefetch_related("emails", "phones", "tags")
    for c in customers.select_related("company"):
        rows.append(
            {
                "name": c.name,
                "external_id": c.external_id,
                "emails": [(e.email, e.is_primary) for e in c.emails.all()],
                "phones": [(p.e164, p.is_primary) for p in c.phones.all()],
                "company": c.company.name if c.company else "",
                **{f: getattr(c, f) for f in PLAIN_FIELDS},
                "tags": sorted(t.name.casefold() for t in c.tags.all()),
                "custom": _custom(c.custom_fields),
            }
        )
    return sorted(rows, key=repr)


@pytest.fixture
def definitions(owner):
    with acting_as(owner, "ui"):
        for key, label, field_type, extra in DEFINITIONS:
            custom_field_definition_create(
                by=owner, target="customer", key=key, label=label, field_type=field_type, **extra
            )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(customers(), min_size=1, max_size=4),
    file_format=st.sampled_from(["csv", "xlsx"]),
)
def test_an_export_imported_into_an_empty_database_loses_nothing(
    owner, definitions, drawn, file_format
):
    with transaction.atomic(), acting_as(owner, "ui"):
        _create(owner, drawn)
        before = _snapshot()
        export = customers_export(
            by=owner, customers=Customer.objects.all(), file_format=file_format, filters={}
        )
        Customer.objects.all().delete()
        Company.objects.all().delete()
        Tag.objects.all().delete()
        summary = import_file(
            data=export.content,
            filename=f"export.{file_format}",
            by=owner,
            options=ImportOptions(on_duplicate="create"),
        )
        assert not summary.refused, summary.refused
        assert summary.as_dict()["created"] == len(drawn), summary.problems
        assert _snapshot() == before
        transaction.set_rollback(True)
