"""API: customers (CRUD, search, filters, bulk actions, trash) and their timelines.

Handlers parse, call a service or selector, and answer; permissions and validation live
in the services (``PermissionDenied`` → 403, ``ValidationError`` → 422 naming the field,
``StaleVersionError`` → 409). Lists take the same filters as the UI (``filters.py``).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.api.pagination import (  # the keyset steps KeysetPagination takes
    KeysetPagination,
    _decode,
    _encode,
    _require_non_null,
    keyset_filter,
    ordering_of,
)
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read, require_write
from solocrm.customers import selectors, services
from solocrm.customers.api_schemas import (
    BulkIn,
    BulkOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
    SavedViewIn,
    SavedViewOut,
)
from solocrm.customers.filters import SORTS, CustomerFilterForm, customers_filter
from solocrm.customers.models import Customer, Interaction, SavedView
from solocrm.customers.search_index import names_from_index

router = Router(tags=["customers"])


class CustomerListQuery(Schema):
    q: str | None = Field(
        None,
        description="Search name, emails, phone digits (any fragment), WeChat ID, company "
        "and interaction notes",
    )
    tag: list[str] = Field([], description="Tag names; a customer must have all of them")
    stage: list[str] = Field([], description="Lifecycle stages (any of)")
    tier: list[str] = Field([], description="Tiers (any of)")
    source: list[str] = Field([], description="Sources (any of)")
    owner: int | None = Field(None, description="Owner's user id")
    company: int | None = Field(None, description="Company id")
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    sort: str | None = Field(
        None, description=f"One of {', '.join(SORTS)}; prefix - for descending"
    )


LIST_DESCRIPTION = (
    "Filter on custom fields with `cf_<key>=value` (text matches a part, other types the "
    "exact value). Cursor-paginated: pass `next_cursor` back as `cursor`."
)


def _filtered(request: HttpRequest) -> QuerySet[Customer]:
    form = CustomerFilterForm(request.GET)
    if not form.is_valid():
        raise ValidationError(
            {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        )
    customers = customers_filter(selectors.customers_visible(request.user), form)
    return customers.select_related("company")  # the owner is shown by id only


class CustomerPagination(KeysetPagination):
    """Keyset pages of customers with their contacts and tags, in three queries.

    The page's ids are sorted on their own first, then their 50 rows read by id: sorting
    whole rows made SQLite carry every match's ``search_text`` (overflow pages) through
    the sort only to keep 51 of them. The rows go to the response schema as plain dicts
    (``selectors.customers_api_rows``): ``CustomerOut`` validates the same values without
    a model attribute lookup and a related manager per field."""

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, **params: Any) -> Any:
        order = ordering_of(queryset)
        _require_non_null(queryset, order)
        queryset = queryset.order_by(*order)
        if pagination.cursor:
            queryset = queryset.filter(keyset_filter(order, _decode(pagination.cursor)))
        ids_query = queryset.values_list("pk", flat=True)
        if (through_index := names_from_index(ids_query)) is not None:
            ids_query = through_index
        ids = list(ids_query[: pagination.limit + 1])
        rows = selectors.customers_api_rows(ids[: pagination.limit])
        next_cursor = None
        if len(ids) > pagination.limit:
            last = rows[-1]  # every sort field (filters.SORTS) is one of the row's values
            names = [term.lstrip("-") for term in order]
            next_cursor = _encode([last["id" if name == "pk" else name] for name in names])
        return {"items": rows, "next_cursor": next_cursor}


def _customer(request: HttpRequest, customer_id: int, *, trashed: bool = False) -> Customer:
    customers = selectors.customers_visible(request.user, trashed=trashed)
    return get_object_or_404(selectors.customers_with_details(customers), pk=customer_id)


def _related(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ``company_id``/``owner_id`` into the service's ``company``/``owner``."""
    from django.contrib.auth import get_user_model

    if "company_id" in data:
        company_id = data.pop("company_id")
        data["company"] = (
            get_object_or_404(selectors.companies_visible(request.user), pk=company_id)
            if company_id
            else None
        )
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        data["owner"] = (
            get_object_or_404(get_user_model(), pk=owner_id, is_active=True) if owner_id else None
        )
    return data


def _split(payload: dict[str, Any]) -> dict[str, Any]:
    """Payload → service keyword arguments (contacts, tags and custom fields apart)."""
    arguments = {
        key: payload.pop(key)
        for key in ("emails", "phones", "tags", "custom_fields", "phone_region")
        if key in payload
    }
    arguments["data"] = payload
    return arguments


@router.get(
    "/customers",
    response=with_errors({200: list[CustomerOut]}),
    summary="List and search customers",
    description=LIST_DESCRIPTION,
)
@paginate(CustomerPagination)
def customer_list(request: HttpRequest, filters: Query[CustomerListQuery]) -> Any:
    require_read(request.user)
    return _filtered(request)


@router.post(
    "/customers", response=with_errors({201: CustomerOut}, 404), summary="Create a customer"
)
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    require_write(request.user)
    data = _related(request, payload.dict())
    if data.get("owner") is None:
        data.pop("owner", None)
    name = data.pop("name")
    customer = services.customer_create(by=request.user, name=name, **_split(data))
    return Status(201, _customer(request, customer.pk))


@router.get(
    "/customers/{customer_id}",
    response=with_errors({200: CustomerOut}, 404),
    summary="One customer",
)
def customer_detail(request: HttpRequest, customer_id: int) -> Any:
    require_read(request.user)
    return _customer(request, customer_id)


@router.patch(
    "/customers/{customer_id}",
    response=with_errors({200: CustomerOut}, 404, 409),
    summary="Change a customer (send the version you read; 409 if it is stale)",
)
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    customer = _customer(request, customer_id)
    require_write(request.user, customer)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    services.customer_update(
        customer=customer,
        by=request.user,
        expected_version=version,
        **_split(_related(request, data)),
    )
    return _customer(request, customer_id)


@router.delete(
    "/customers/{customer_id}",
    response=with_errors({200: CustomerOut}, 404, 409),
    summary="Move a customer (and their timeline) to the trash",
)
def customer_delete(request: HttpRequest, customer_id: int, version: int | None = None) -> Any:
    """Pass ``?version=`` to refuse the delete (409) if the customer changed since."""
    customer = _customer(request, customer_id)
    services.customer_delete(customer=customer, by=request.user, expected_version=version)
    return _customer(request, customer_id, trashed=True)


@router.post(
    "/customers/{customer_id}/restore",
    response=with_errors({200: CustomerOut}, 404),
    summary="Bring a customer back from the trash",
)
def customer_restore(request: HttpRequest, customer_id: int) -> Any:
    customer = _customer(request, customer_id, trashed=True)
    services.customer_restore(customer=customer, by=request.user)
    return _customer(request, customer_id)


@router.post(
    "/customer-bulk-actions",
    response=with_errors({200: BulkOut}),
    summary="Tag, untag, assign an owner, change the stage of, or trash many customers",
)
def customer_bulk(request: HttpRequest, payload: BulkIn) -> Any:
    changed = services.customers_bulk_action(
        by=request.user, customer_ids=payload.ids, action=payload.action, value=payload.value
    )
    return {"changed": changed}


@router.get(
    "/customers/{customer_id}/interactions",
    response=with_errors({200: list[InteractionOut]}, 404),
    summary="A customer's timeline, newest first",
)
@paginate(KeysetPagination)
def interaction_list(request: HttpRequest, customer_id: int) -> Any:
    require_read(request.user)
    customer = _customer(request, customer_id)
    return selectors.customer_timeline(customer)


@router.post(
    "/customers/{customer_id}/interactions",
    response=with_errors({201: InteractionOut}, 404),
    summary="Log a note, call, email, meeting, message or visit",
)
def interaction_create(request: HttpRequest, customer_id: int, payload: InteractionIn) -> Any:
    customer = _customer(request, customer_id)
    interaction = services.interaction_create(by=request.user, customer=customer, **payload.dict())
    return Status(201, interaction)


def _interaction(request: HttpRequest, interaction_id: int) -> Interaction:
    return get_object_or_404(
        selectors.interactions_visible(request.user).select_related("customer"),
        pk=interaction_id,
    )


@router.patch(
    "/interactions/{interaction_id}",
    response=with_errors({200: InteractionOut}, 404, 409),
    summary="Change a timeline entry",
)
def interaction_update(request: HttpRequest, interaction_id: int, payload: InteractionPatch) -> Any:
    interaction = _interaction(request, interaction_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.interaction_update(
        interaction=interaction, by=request.user, data=data, expected_version=version
    )


@router.delete(
    "/interactions/{interaction_id}",
    response=with_errors({204: None}, 404, 409),
    summary="Delete a timeline entry",
)
def interaction_delete(request: HttpRequest, interaction_id: int) -> Any:
    interaction = _interaction(request, interaction_id)
    services.interaction_delete(interaction=interaction, by=request.user)
    return Status(204, None)


@router.get(
    "/saved-views",
    response=with_errors({200: list[SavedViewOut]}),
    summary="Your saved customer lists",
)
def saved_view_list(request: HttpRequest) -> Any:
    require_read(request.user)
    return SavedView.objects.filter(user=request.user)


@router.post(
    "/saved-views",
    response=with_errors({201: SavedViewOut}),
    summary="Save a customer list's filters, sort and columns under a name",
)
def saved_view_create(request: HttpRequest, payload: SavedViewIn) -> Any:
    view = services.saved_view_create(
        user=request.user, name=payload.name, query_string=payload.query_string
    )
    return Status(201, view)


@router.delete(
    "/saved-views/{view_id}",
    response=with_errors({204: None}, 404),
    summary="Delete one of your saved views",
)
def saved_view_delete(request: HttpRequest, view_id: int) -> Any:
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    services.saved_view_delete(saved_view=view, user=request.user)
    return Status(204, None)
