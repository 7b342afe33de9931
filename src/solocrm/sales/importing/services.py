"""Importing a products or orders file: read it, map its columns, import its units,
and leave one ``import`` audit entry (the records are audited as they are written).

Reading, limits, mapping suggestions, the summary and the report are the customers'
import machinery, so a sales import refuses, counts and reports exactly like one of
customers: created + updated + skipped + rejected = data rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from solocrm.core.audit import audit_record
from solocrm.core.collection import cyclic_gc_paused
from solocrm.core.permissions import require_write
from solocrm.customers.importing.engine import Progress
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.reading import table_read
from solocrm.customers.importing.services import ImportOptions, ImportSummary
from solocrm.customers.phones import default_phone_region
from solocrm.sales.importing.engine import units_import
from solocrm.sales.importing.orders import order_units
from solocrm.sales.importing.orders_writer import OrderWriter
from solocrm.sales.importing.prepare import columns_of, row_prepare, sales_mapping
from solocrm.sales.importing.products import ProductWriter, product_units

OBJECT_TYPES = {"products": "sales.product", "orders": "sales.order"}


@dataclass
class SalesImportSummary(ImportSummary):
    unknown_customers: str = ""
    units: int = 0

    def as_dict(self) -> dict[str, Any]:
        values = super().as_dict()
        if self.options.kind == "orders":
            values["unknown_customers"] = self.unknown_customers
            values["orders"] = self.units
        return values


def _audit(summary: SalesImportSummary) -> None:
    changes = {k: v for k, v in summary.as_dict().items() if k not in ("file", "table")}
    audit_record(
        "import",
        object_type_label=OBJECT_TYPES[summary.options.kind],
        object_repr=f"import of {summary.filename}"[:200],
        changes={**changes, "file": summary.filename, "format": summary.table.get("format", "")},
    )


def _units_import(
    summary: SalesImportSummary,
    table: Any,
    column_map: Any,
    *,
    by: Any,
    options: ImportOptions,
    unknown_customers: str,
    progress: Progress | None,
) -> None:
    kind, filename = options.kind, summary.filename
    region = default_phone_region()
    columns = columns_of(column_map)
    tz = timezone.get_current_timezone()  # once: reading it per cell is not free
    rows = [
        row_prepare(row, column_map=column_map, date_order=options.date_order,
                    phone_region=region, columns=columns, tz=tz)
        for row in table.rows
    ]  # fmt: skip
    if kind == "products":
        units = product_units(rows)
        writer: Any = ProductWriter(by=by, column_map=column_map)
    else:
        units = order_units(rows)
        writer = OrderWriter(
            by=by,
            column_map=column_map,
            unknown_customers=unknown_customers,
            phone_region=region,
            source_label=f"import: {filename}",
        )
    summary.units = len(units)
    summary.result = units_import(
        units=units,
        writer=writer,
        mode=options.mode,
        on_duplicate=options.on_duplicate,
        dry_run=options.dry_run,
        progress=progress,
    )


@cyclic_gc_paused()
def sales_import_file(
    *,
    data: bytes,
    filename: str,
    by: Any,
    options: ImportOptions,
    mapping: dict[str, str] | None = None,
    unknown_customers: str = "reject",
    limits: ImportLimits | None = None,
    progress: Progress | None = None,
) -> SalesImportSummary:
    """Import products or orders; a refused file gives a summary with ``refused`` set."""
    require_write(by)
    kind = options.kind
    if kind not in OBJECT_TYPES:
        raise ValueError(f"kind must be one of {', '.join(OBJECT_TYPES)}")
    summary = SalesImportSummary(
        filename=filename,
        options=options,
        sha256=hashlib.sha256(data).hexdigest(),
        unknown_customers=unknown_customers if kind == "orders" else "",
    )
    try:
        table = table_read(data=data, filename=filename, limits=limits)
        summary.table = table.describe()
        column_map = sales_mapping(table=table, kind=kind, mapping=mapping)
        summary.mapping = column_map.as_mapping()
    except FileRefused as exc:
        summary.refused = str(exc)
        if not options.dry_run:
            _audit(summary)
        return summary
    _units_import(summary, table, column_map, by=by, options=options,
                  unknown_customers=unknown_customers, progress=progress)  # fmt: skip
    if not options.dry_run:
        _audit(summary)
    return summary
