"""Importing a file: read it, map its columns, import its rows, report and audit.

Every attempt that reaches the data (including a refused file) leaves one ``import``
audit entry with the file's name and SHA-256, the options and the counts; the records
themselves are audited by the customer services as they are written. Dry runs
(previews) write nothing and are not audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solocrm.core.audit import audit_record
from solocrm.core.collection import cyclic_gc_paused
from solocrm.core.custom_fields import CustomFieldDefinition, definitions_for
from solocrm.core.permissions import require_write
from solocrm.customers.importing.customer_batch import CustomerBatchWriter
from solocrm.customers.importing.engine import ImportResult, Progress, rows_import
from solocrm.customers.importing.errors import FileRefused, RowProblem, RowWarning
from solocrm.customers.importing.fields import FIELDS_BY_KIND, ImportField
from solocrm.customers.importing.headers import custom_import_fields, mapping_suggest
from solocrm.customers.importing.limits import ImportLimits
from solocrm.customers.importing.mapping import ColumnMap, mapping_resolve
from solocrm.customers.importing.prepare import PrepareContext
from solocrm.customers.importing.reading import table_read
from solocrm.customers.importing.table import Table
from solocrm.customers.importing.writers import CompanyWriter
from solocrm.customers.phones import default_phone_region

TARGETS = {"customers": CustomFieldDefinition.Target.CUSTOMER, "companies": "company"}
OBJECT_TYPES = {"customers": "customers.customer", "companies": "customers.company"}
WRITERS = {"customers": CustomerBatchWriter, "companies": CompanyWriter}


@dataclass(frozen=True)
class ImportOptions:
    kind: str = "customers"
    mode: str = "atomic"
    on_duplicate: str = "skip"
    date_order: str = "dmy"
    dry_run: bool = False


@dataclass
class ImportSummary:
    filename: str
    options: ImportOptions
    sha256: str = ""
    refused: str = ""
    table: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    result: ImportResult | None = None

    @property
    def written(self) -> bool:
        return bool(self.result and self.result.written)

    @property
    def problems(self) -> list[RowProblem]:
        return self.result.problems if self.result else []

    @property
    def warnings(self) -> list[RowWarning]:
        return self.result.warnings if self.result else []

    def as_dict(self) -> dict[str, Any]:
        counts = (
            self.result.counts()
            if self.result
            else dict.fromkeys(("rows", "created", "updated", "skipped", "rejected"), 0)
        )
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "kind": self.options.kind,
            "mode": self.options.mode,
            "on_duplicate": self.options.on_duplicate,
            "dry_run": self.options.dry_run,
            **counts,
            "warnings": self.result.warning_count if self.result else 0,
            "written": self.written,
            "refused": self.refused,
            "table": self.table,
            "mapping": self.mapping,
        }


def import_fields(kind: str) -> list[ImportField]:
    """The fields a column can feed for ``kind``, custom fields included."""
    if kind not in FIELDS_BY_KIND:
        raise FileRefused(f"Unknown import kind “{kind}”; use customers or companies.")
    return [*FIELDS_BY_KIND[kind], *custom_import_fields(definitions_for(TARGETS[kind]))]


def import_mapping(*, table: Table, kind: str, mapping: dict[str, str] | None) -> ColumnMap:
    """The suggested mapping with the given entries laid over it, checked."""
    fields = import_fields(kind)
    combined = {**mapping_suggest(headers=table.headers, fields=fields), **(mapping or {})}
    return mapping_resolve(headers=table.headers, mapping=combined, fields=fields)


def _audit(summary: ImportSummary) -> None:
    changes = {k: v for k, v in summary.as_dict().items() if k not in ("file", "table")}
    audit_record(
        "import",
        object_type_label=OBJECT_TYPES.get(summary.options.kind, "customers.customer"),
        object_repr=f"import of {summary.filename}"[:200],
        changes={**changes, "file": summary.filename, "format": summary.table.get("format", "")},
    )


def _context(kind: str, date_order: str) -> PrepareContext:
    target = TARGETS[kind]
    return PrepareContext(
        target=target,
        phone_region=default_phone_region(),
        date_order=date_order,
        custom={d.key: d for d in definitions_for(target)},
    )


@cyclic_gc_paused()
def import_file(
    *,
    data: bytes | None = None,
    path: Path | None = None,
    filename: str,
    by: Any,
    options: ImportOptions,
    mapping: dict[str, str] | None = None,
    limits: ImportLimits | None = None,
    progress: Progress | None = None,
    preview_rows: int | None = None,
) -> ImportSummary:
    """Import ``data``, or the file at ``path``; a refused file gives a summary with
    ``refused`` set (not raised). From a ``path``, a long file's bytes are not kept while
    its rows are imported: they are read again from the file.

    ``preview_rows`` limits a dry run to the file's first rows (the preview page).
    """
    require_write(by)
    if path is not None:
        data = path.read_bytes()  # OSError: the caller says the file cannot be read
    if data is None:
        raise TypeError("import_file needs data or a path")
    summary = ImportSummary(
        filename=filename, options=options, sha256=hashlib.sha256(data).hexdigest()
    )
    try:
        table = table_read(data=data, filename=filename, limits=limits, path=path)
        if path is not None:
            del data  # the rows read again come from the file
        summary.table = table.describe()
        column_map = import_mapping(table=table, kind=options.kind, mapping=mapping)
        summary.mapping = column_map.as_mapping()
    except FileRefused as exc:
        summary.refused = str(exc)
        if not options.dry_run:
            _audit(summary)
        return summary
    context = _context(options.kind, options.date_order)
    writer = WRITERS[options.kind](
        by=by, phone_region=context.phone_region, source_label=f"import: {filename}"
    )
    rows = table.rows if preview_rows is None or not options.dry_run else table.rows[:preview_rows]
    try:
        summary.result = rows_import(
            rows=rows,
            column_map=column_map,
            context=context,
            writer=writer,
            mode=options.mode,
            on_duplicate=options.on_duplicate,
            dry_run=options.dry_run,
            progress=progress,
        )
    except FileRefused as exc:  # the file changed on disk while its rows were read
        summary.refused = str(exc)
    if not options.dry_run:
        _audit(summary)
    return summary
