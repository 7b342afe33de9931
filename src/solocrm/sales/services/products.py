"""Writes for products: create, update (optimistic locking), delete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from solocrm.core.audit import audit_record
from solocrm.core.permissions import require_write
from solocrm.core.services import model_delete, model_update
from solocrm.sales.models import Product
from solocrm.sales.services._base import full_clean_or_raise, stamp
from solocrm.sales.services.currency import currency_clean, default_currency
from solocrm.sales.services.totals import money

PRODUCT_FIELDS = ("sku", "name", "category", "unit_price", "currency", "active", "description")


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    cleaned = dict(data)
    for name in ("sku", "name", "category"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = " ".join(cleaned[name].split())
    if "currency" in cleaned:
        cleaned["currency"] = currency_clean(cleaned["currency"])
    price = cleaned.get("unit_price")
    if isinstance(price, Decimal | int) and not isinstance(price, bool):
        cleaned["unit_price"] = money(Decimal(price))  # "12.5" is stored, and compared, as 12.50
    return cleaned


def _sku_taken(sku: str, *, exclude: int | None = None) -> dict[str, list[str]]:
    others = Product.objects.filter(sku__iexact=sku)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if sku and others.exists():
        return {"sku": [_("Another product has the SKU “%s”.") % sku]}
    return {}


@transaction.atomic
def product_create(
    *,
    by: Any,
    sku: str,
    name: str,
    unit_price: Decimal,
    currency: str | None = None,
    category: str = "",
    active: bool = True,
    description: str = "",
) -> Product:
    require_write(by)
    data = _normalised(
        {
            "sku": sku,
            "name": name,
            "unit_price": unit_price,
            "currency": currency or default_currency(),
            "category": category,
            "active": active,
            "description": description,
        }
    )
    product = Product(**data)
    stamp(product, by, creating=True)
    full_clean_or_raise(product, _sku_taken(product.sku))
    product.save(force_insert=True)
    audit_record(
        "create",
        obj=product,
        changes={k: [None, v] for k, v in data.items() if v not in (None, "")},
    )
    return product


@transaction.atomic
def product_update(
    *, product: Product, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Product:
    """Change a product; refused with ``StaleVersionError`` if it changed since."""
    require_write(by)
    cleaned = _normalised(data)
    errors = _sku_taken(cleaned["sku"], exclude=product.pk) if cleaned.get("sku") else {}
    if errors:
        raise ValidationError(errors)
    product, _changes = model_update(
        product, data=cleaned, fields=PRODUCT_FIELDS, expected_version=expected_version
    )
    return product


@transaction.atomic
def product_delete(*, product: Product, by: Any, expected_version: int | None = None) -> None:
    """Delete a product; order lines keep their description and price."""
    require_write(by)
    model_delete(product, expected_version=expected_version)
