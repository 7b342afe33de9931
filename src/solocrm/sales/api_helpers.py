"""Small pieces the sales API handlers share: list filters through the UI's forms, and
turning ``*_id`` fields into the records the services take (only ones the caller sees)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from solocrm.customers.selectors import companies_visible, customers_visible
from solocrm.sales.filters import SortedFilterForm
from solocrm.sales.selectors.visibility import pipelines_visible, products_visible


def filtered(
    request: HttpRequest, form_class: type[SortedFilterForm], apply: Any, queryset: QuerySet
) -> QuerySet:
    form = form_class(request.GET)
    if not form.is_valid():
        raise ValidationError(form.errors_dict())
    return apply(queryset, form)


def _lookup(queryset: QuerySet, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [f"No record with id {pk}."]})
    return found


def related(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """``customer_id``/``company_id``/``owner_id``/``product_id`` → the records."""
    user = request.user
    sources = {
        "customer_id": ("customer", customers_visible(user)),
        "company_id": ("company", companies_visible(user)),
        "owner_id": ("owner", get_user_model().objects.filter(is_active=True)),
        "product_id": ("product", products_visible(user)),
    }
    for key, (name, queryset) in sources.items():
        if key in data:
            data[name] = _lookup(queryset, data.pop(key), key)
    return data


def pipeline_or_404(request: HttpRequest, pipeline_id: int) -> Any:
    return get_object_or_404(pipelines_visible(request.user), pk=pipeline_id)
