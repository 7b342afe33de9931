"""``solocrm import products FILE`` and ``solocrm import orders FILE``: the sales kinds of
the customers' import command (same options, exit codes and report), plus
``--unknown-customers create|reject`` for orders."""

from __future__ import annotations

from typing import Any

from solocrm.customers.importing.kinds import ImportKind, register_import_kind
from solocrm.customers.importing.limits import cli_limits_from_environment
from solocrm.customers.importing.services import ImportOptions
from solocrm.sales.importing.orders_writer import UNKNOWN_CUSTOMERS
from solocrm.sales.importing.services import SalesImportSummary, sales_import_file


def _arguments(parser: Any) -> None:
    parser.add_argument(
        "--unknown-customers",
        choices=UNKNOWN_CUSTOMERS,
        default="reject",
        help="orders: an order whose customer (email, phone, external ID) is not found is "
        "rejected (default) or the customer is created",
    )


def _run(
    *,
    data: bytes,
    filename: str,
    by: Any,
    options: ImportOptions,
    mapping: dict[str, str] | None,
    arguments: dict[str, Any],
) -> SalesImportSummary:
    return sales_import_file(
        data=data,
        filename=filename,
        by=by,
        options=options,
        mapping=mapping,
        limits=cli_limits_from_environment(),
        unknown_customers=arguments.get("unknown_customers") or "reject",
    )


def register() -> None:
    register_import_kind(ImportKind("products", run=_run, upload_url="sales:import_upload"))
    register_import_kind(
        ImportKind("orders", run=_run, add_arguments=_arguments, upload_url="sales:import_upload")
    )
