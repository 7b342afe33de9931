"""Reads of the customers domain shared by views, the API, exports and imports.

Every function starts from what the user may see (``core.permissions.visible``).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import visible
from solocrm.core.tags import Tag
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction
from solocrm.customers.search_index import names_from_index, search_condition


def customers_visible(user: Any, *, trashed: bool = False) -> QuerySet[Customer]:
    customers = Customer.objects.trashed() if trashed else Customer.objects.alive()
    return visible(user, customers)


def customers_with_details(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Join and prefetch what lists and detail pages show (no N+1 queries)."""
    return queryset.select_related("company", "owner").prefetch_related(
        Prefetch("emails", queryset=CustomerEmail.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id")),
        "tags",
    )


# What each list column reads of a customer (filters.CELLS); emails, phones and tags come
# from ``customers_list_details``, custom-field columns from ``custom_fields``.
LIST_COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "company": ("company__name",),
    "stage": ("lifecycle_stage",),
    "tier": ("tier",),
    "owner": ("owner__name", "owner__email"),
    "source": ("source",),
    "city": ("city",),
    "wechat_id": ("wechat_id",),
    "created": ("created_at",),
    "updated": ("updated_at",),
}


def customers_for_list(
    queryset: QuerySet[Customer], *, columns: list[str] | None = None
) -> QuerySet[Customer]:
    """The list page's customers (``queryset`` already sorted): only what the shown
    ``columns`` (all, if None) and the sort order read, company (and owner, when its
    column shows) joined — each column left out is a value per row not read and not
    converted (dates, custom fields). Contacts and tags: ``customers_list_details``."""
    columns = [*LIST_COLUMN_FIELDS, "cf_"] if columns is None else columns
    shown = {"name", "company__name"}  # the company is joined in any case
    for key in columns:
        shown.update(
            LIST_COLUMN_FIELDS.get(key, ("custom_fields",) if key.startswith("cf_") else ())
        )
    shown.update(term.lstrip("-") for term in queryset.query.order_by if term.lstrip("-") != "pk")
    related = ["company", "owner"] if "owner" in columns else ["company"]
    return queryset.select_related(*related).only(*sorted(shown))


def customers_list_details(customers: list[Customer]) -> None:
    """Set ``list_email``, ``list_phone`` (the primary ones, or "") and ``list_tags``
    (names A–Z) on each of ``customers``, in one UNION ALL query (``filters.column_value``
    reads them). Cheaper than ``prefetch_related``, which builds a related manager and a
    queryset for every customer, and than a sub-select per row in the page query."""
    ids = [customer.pk for customer in customers]
    found: dict[int, dict[str, Any]] = {pk: {"email": "", "phone": "", "tag": []} for pk in ids}
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_list_details_sql(len(ids)), ids * 3)
            for customer_id, kind, value in cursor.fetchall():
                if kind == "tag":
                    found[customer_id]["tag"].append(value)
                else:
                    found[customer_id][kind] = value
    for customer in customers:
        details = found[customer.pk]
        customer.list_email = details["email"]
        customer.list_phone = details["phone"]
        customer.list_tags = details["tag"]


def _list_details_sql(count: int) -> str:
    """Plain SQL (the same on SQLite and PostgreSQL): through the ORM, building the three
    parts of the union took longer than running them."""
    marks = ", ".join(["%s"] * count)
    emails, phones = CustomerEmail._meta.db_table, CustomerPhone._meta.db_table
    links, tags = Customer.tags.through._meta.db_table, Tag._meta.db_table
    return (
        f"SELECT customer_id, 'email', email FROM {emails} "  # noqa: S608 - table names
        f"WHERE is_primary AND customer_id IN ({marks}) UNION ALL "
        f"SELECT customer_id, 'phone', CASE WHEN e164 <> '' THEN e164 ELSE raw END "
        f"FROM {phones} WHERE is_primary AND customer_id IN ({marks}) UNION ALL "
        f"SELECT link.customer_id, 'tag', tag.name FROM {links} link "
        f"JOIN {tags} tag ON tag.id = link.tag_id WHERE link.customer_id IN ({marks}) "
        "ORDER BY 3"
    )


# The plain fields of ``api_schemas.CustomerOut``, read as they are.
API_FIELDS = (
    "id", "name", "company_id", "wechat_id", "address", "city", "country", "birthday",
    "gender", "source", "owner_id", "lifecycle_stage", "tier", "custom_fields",
    "consent_status", "consent_source", "consent_at", "external_id", "created_at",
    "updated_at", "deleted_at", "version",
)  # fmt: skip


def customers_api_rows(ids: list[int]) -> list[dict[str, Any]]:
    """The customers ``ids``, in that order, as the API's customer dicts (``CustomerOut``),
    in two queries: the customers' values with their company's name, then their emails,
    phones and tags in one UNION ALL — no model instance, related manager or queryset per
    row (building those took longer than the queries)."""
    if not ids:
        return []
    found = {
        row["id"]: row
        for row in Customer.objects.filter(pk__in=ids)
        .order_by()
        .values(*API_FIELDS, company_name=Coalesce("company__name", Value("")))
    }
    rows = [found[pk] for pk in ids if pk in found]
    contacts = _contacts_by_customer(ids)
    for row in rows:
        row["emails"], row["phones"], row["tags"] = contacts[row["id"]]
    return rows


def _contacts_by_customer(ids: list[int]) -> dict[int, tuple[list, list, list]]:
    """Each customer's emails and phones (primary first, then as added) and tag names
    (A–Z, the database's collation, as ``Tag`` orders them)."""
    found: dict[int, tuple[list, list, list]] = {pk: ([], [], []) for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(_api_contacts_sql(len(ids)), ids * 3)
        for customer_id, kind, text, other, is_primary, *_order in cursor.fetchall():
            emails, phones, tags = found[customer_id]
            if kind == "tag":
                tags.append(text)
            elif kind == "email":
                emails.append({"email": text, "is_primary": bool(is_primary)})
            else:
                phones.append({"raw": text, "e164": other, "is_primary": bool(is_primary)})
    return found


def _api_contacts_sql(count: int) -> str:
    """Plain SQL, the same on SQLite and PostgreSQL (only table names are joined in)."""
    marks = ", ".join(["%s"] * count)
    emails, phones = CustomerEmail._meta.db_table, CustomerPhone._meta.db_table
    links, tags = Customer.tags.through._meta.db_table, Tag._meta.db_table
    return (
        f"SELECT customer_id, 'email', email, '', is_primary, '', id FROM {emails} "  # noqa: S608
        f"WHERE customer_id IN ({marks}) UNION ALL "
        f"SELECT customer_id, 'phone', raw, e164, is_primary, '', id FROM {phones} "
        f"WHERE customer_id IN ({marks}) UNION ALL "
        f"SELECT link.customer_id, 'tag', tag.name, '', FALSE, tag.name, tag.id "
        f"FROM {links} link JOIN {tags} tag ON tag.id = link.tag_id "
        f"WHERE link.customer_id IN ({marks}) ORDER BY 2, 5 DESC, 6, 7"
    )


def customers_first(queryset: QuerySet[Customer], limit: int) -> list[Customer]:
    """The first ``limit`` customers of ``queryset`` (sorted). A search's candidates sorted
    by name are put in order through the name index first (``names_from_index``), then
    read by id: sorting them by their rows reads every candidate's row."""
    ids_query = names_from_index(queryset.values_list("pk", flat=True))
    if ids_query is None:
        return list(queryset[:limit])
    ids = list(ids_query[:limit])
    found = queryset.order_by().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def customer_search(user: Any, q: str, *, queryset: QuerySet[Customer] | None = None) -> QuerySet:
    """Customers matching every term of ``q`` in name, emails, phone digits, WeChat ID,
    company name or interaction notes, among those ``user`` may see."""
    customers = customers_visible(user) if queryset is None else queryset
    condition = search_condition(q)
    return customers if condition is None else customers.filter(condition)


def companies_visible(user: Any, *, trashed: bool = False) -> QuerySet[Company]:
    companies = Company.objects.trashed() if trashed else Company.objects.alive()
    return visible(user, companies)


def interactions_visible(user: Any) -> QuerySet[Interaction]:
    return visible(user, Interaction.objects.alive(), owner_field="customer__owner").filter(
        customer__deleted_at__isnull=True
    )


def customer_timeline(customer: Customer) -> QuerySet[Interaction]:
    return (
        customer.interactions.alive()
        .select_related("author", "company")
        .order_by("-occurred_at", "-id")
    )


def custom_field_display(record: Customer | Company) -> list[tuple[str, Any]]:
    """(label, value) for each defined custom field the record has a value for."""
    target = (
        CustomFieldDefinition.Target.COMPANY
        if isinstance(record, Company)
        else CustomFieldDefinition.Target.CUSTOMER
    )
    shown = []
    for definition in definitions_for(target):
        value = record.custom_fields.get(definition.key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        shown.append((definition.label, value))
    return shown


def company_customers(user: Any, company: Company) -> QuerySet[Customer]:
    return customers_with_details(customers_visible(user).filter(company=company))


def company_search(user: Any, q: str) -> QuerySet[Company]:
    companies = companies_visible(user)
    for term in q.split():
        companies = companies.filter(Q(name__icontains=term) | Q(domain__icontains=term))
    return companies


def assignable_owners() -> QuerySet:
    """Users who can own records: active owners and members."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, role__in=("owner", "member"))
