"""API: products."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from solocrm.api.pagination import KeysetPagination
from solocrm.api.schemas import with_errors
from solocrm.core.permissions import require_read
from solocrm.sales import services
from solocrm.sales.api_helpers import filtered
from solocrm.sales.api_schemas import ProductIn, ProductOut, ProductPatch
from solocrm.sales.filters import PRODUCT_SORTS, ProductFilterForm, products_filter
from solocrm.sales.models import Product
from solocrm.sales.selectors.visibility import products_visible

router = Router(tags=["sales"])


class ProductListQuery(Schema):
    q: str | None = Field(None, description="A part of the name or SKU")
    category: str | None = None
    active: bool | None = None
    sort: str | None = Field(None, description=f"One of {', '.join(PRODUCT_SORTS)}; - descends")


def _product(request: HttpRequest, product_id: int) -> Product:
    return get_object_or_404(products_visible(request.user), pk=product_id)


@router.get("/products", response=with_errors({200: list[ProductOut]}), summary="List products")
@paginate(KeysetPagination)
def product_list(request: HttpRequest, filters: Query[ProductListQuery]) -> Any:
    require_read(request.user)
    return filtered(request, ProductFilterForm, products_filter, products_visible(request.user))


@router.post("/products", response=with_errors({201: ProductOut}), summary="Create a product")
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    return Status(201, services.product_create(by=request.user, **payload.dict()))


@router.get(
    "/products/{product_id}", response=with_errors({200: ProductOut}, 404), summary="One product"
)
def product_detail(request: HttpRequest, product_id: int) -> Any:
    require_read(request.user)
    return _product(request, product_id)


@router.patch(
    "/products/{product_id}",
    response=with_errors({200: ProductOut}, 404, 409),
    summary="Change a product (send the version you read; 409 if it is stale)",
)
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.product_update(
        product=_product(request, product_id), by=request.user, data=data, expected_version=version
    )


@router.delete(
    "/products/{product_id}",
    response=with_errors({204: None}, 404, 409),
    summary="Delete a product (order lines keep their text and price)",
)
def product_delete(request: HttpRequest, product_id: int, version: int | None = None) -> Any:
    services.product_delete(
        product=_product(request, product_id), by=request.user, expected_version=version
    )
    return Status(204, None)
