"""Product rows: matched on SKU (ignoring case); created, updated or skipped through the
product services. On update, the file wins for every non-empty cell; empty cells leave
stored values alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from solocrm.customers.importing.mapping import ColumnMap
from solocrm.customers.importing.prepare import PreparedRow
from solocrm.sales.importing.engine import Unit, UnitOutcome
from solocrm.sales.models import Product
from solocrm.sales.services import product_create, product_update

UPDATABLE = ("name", "category", "unit_price", "currency", "active", "description")


def product_units(rows: Sequence[PreparedRow]) -> list[Unit]:
    units = []
    for row in rows:
        sku = row.values.get("sku", "")
        unit = Unit(key=sku or f"line {row.line}", rows=[row])
        if not sku:
            row.reject(_("SKU"), "", _("A SKU is required."))
        units.append(unit)
    return units


class ProductWriter:
    def __init__(self, *, by: Any, column_map: ColumnMap) -> None:
        self.by = by
        self.column_map = column_map

    def _reject(self, row: PreparedRow, exc: ValidationError) -> UnitOutcome:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, messages in errors.items():
            for message in messages:
                row.reject(self.column_map.header_for(key), row.cells.get(key, ""), message)
        return UnitOutcome("rejected")

    def _one(self, row: PreparedRow, on_duplicate: str) -> UnitOutcome:
        values = row.values
        existing = Product.objects.filter(sku__iexact=values["sku"]).first()
        if existing is not None and on_duplicate == "skip":
            return UnitOutcome("skipped", existing.pk, _("exists (SKU)"))
        if existing is None or on_duplicate == "create":
            missing = {
                key: [_("A new product needs this.")]
                for key in ("name", "unit_price")
                if key not in values
            }
            if missing:
                raise ValidationError(missing)
            product = product_create(by=self.by, **{"sku": values["sku"], **{
                key: values[key] for key in UPDATABLE if key in values}})  # fmt: skip
            return UnitOutcome("created", product.pk)
        data = {key: values[key] for key in UPDATABLE if key in values}
        updated = product_update(product=existing, by=self.by, data=data)
        if updated.version == existing.version:
            return UnitOutcome("skipped", existing.pk, _("unchanged"))
        return UnitOutcome("updated", existing.pk, _("SKU"))

    def write(self, units: Sequence[Unit], on_duplicate: str) -> list[UnitOutcome]:
        outcomes = []
        for unit in units:
            row = unit.rows[0]
            if unit.rejected:
                outcomes.append(UnitOutcome("rejected"))
                continue
            try:
                with transaction.atomic():
                    outcomes.append(self._one(row, on_duplicate))
            except ValidationError as exc:
                outcomes.append(self._reject(row, exc))
            except PermissionDenied as exc:
                row.reject("", "", str(exc) or _("Permission denied."))
                outcomes.append(UnitOutcome("rejected"))
            except DatabaseError as exc:
                row.reject("", "", _("The database refused the row: %s") % exc)
                outcomes.append(UnitOutcome("rejected"))
        return outcomes
