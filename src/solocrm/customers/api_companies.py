"""API: companies and the trash."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read, require_write
from solocrm.customers import selectors, services
from solocrm.customers.api_schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    TrashEmptyOut,
    TrashOut,
)
from solocrm.customers.models import Company

router = Router(tags=["customers"])
TRASH_LIMIT = 500


def _company(request: HttpRequest, company_id: int, *, trashed: bool = False) -> Company:
    companies = selectors.companies_visible(request.user, trashed=trashed)
    return get_object_or_404(companies.prefetch_related("tags"), pk=company_id)


def _split(data: dict[str, Any]) -> dict[str, Any]:
    arguments = {key: data.pop(key) for key in ("tags", "custom_fields") if key in data}
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        data["owner"] = (
            get_object_or_404(get_user_model(), pk=owner_id, is_active=True) if owner_id else None
        )
    arguments["data"] = data
    return arguments


@router.get("/companies", response=with_errors({200: list[CompanyOut]}), summary="List companies")
@paginate(KeysetPagination)
def company_list(request: HttpRequest, q: str = "") -> Any:
    require_read(request.user)
    return selectors.company_search(request.user, q[:200]).prefetch_related("tags")


@router.post("/companies", response=with_errors({201: CompanyOut}, 404), summary="Create a company")
def company_create(request: HttpRequest, payload: CompanyIn) -> Any:
    require_write(request.user)
    data = payload.dict()
    name = data.pop("name")
    arguments = _split(data)
    if arguments["data"].get("owner") is None:
        arguments["data"].pop("owner", None)
    company = services.company_create(by=request.user, name=name, **arguments)
    return Status(201, _company(request, company.pk))


@router.get(
    "/companies/{company_id}", response=with_errors({200: CompanyOut}, 404), summary="One company"
)
def company_detail(request: HttpRequest, company_id: int) -> Any:
    require_read(request.user)
    return _company(request, company_id)


@router.patch(
    "/companies/{company_id}",
    response=with_errors({200: CompanyOut}, 404, 409),
    summary="Change a company (send the version you read; 409 if it is stale)",
)
def company_update(request: HttpRequest, company_id: int, payload: CompanyPatch) -> Any:
    company = _company(request, company_id)
    require_write(request.user, company)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    services.company_update(
        company=company, by=request.user, expected_version=version, **_split(data)
    )
    return _company(request, company_id)


@router.delete(
    "/companies/{company_id}",
    response=with_errors({200: CompanyOut}, 404, 409),
    summary="Move a company to the trash (its people stay)",
)
def company_delete(request: HttpRequest, company_id: int, version: int | None = None) -> Any:
    company = _company(request, company_id)
    services.company_delete(company=company, by=request.user, expected_version=version)
    return _company(request, company_id, trashed=True)


@router.post(
    "/companies/{company_id}/restore",
    response=with_errors({200: CompanyOut}, 404),
    summary="Bring a company back from the trash",
)
def company_restore(request: HttpRequest, company_id: int) -> Any:
    company = _company(request, company_id, trashed=True)
    services.company_restore(company=company, by=request.user)
    return _company(request, company_id)


@router.get(
    "/trash",
    response=with_errors({200: TrashOut}),
    summary=f"What is in the trash (the latest {TRASH_LIMIT} of each kind)",
)
def trash(request: HttpRequest) -> Any:
    require_read(request.user)
    customers = selectors.customers_with_details(
        selectors.customers_visible(request.user, trashed=True)
    ).order_by("-deleted_at", "-id")[:TRASH_LIMIT]
    companies = (
        selectors.companies_visible(request.user, trashed=True)
        .prefetch_related("tags")
        .order_by("-deleted_at", "-id")[:TRASH_LIMIT]
    )
    return {"customers": list(customers), "companies": list(companies)}


@router.post(
    "/trash/empty",
    response=with_errors({200: TrashEmptyOut}),
    summary="Delete everything in the trash for good (owner only)",
)
def trash_empty(request: HttpRequest) -> Any:
    return services.trash_empty(by=request.user)
