"""API of imports and exports, mounted on the customers router.

``POST /imports`` takes a multipart upload. With ``background=true`` (the
default) it checks the file can be read, queues a job and answers 202 with the job's
id (poll ``/jobs/{id}``; fetch rejected rows and warnings at ``/imports/{id}/report``).
With ``background=false`` or ``dry_run=true`` it imports at once and answers 200 with
the counts, the problems and the warnings (rows imported that look like stored
customers). A file that cannot be read is refused with 422.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from solocrm.api.schemas import with_errors
from solocrm.core import selectors as core_selectors
from solocrm.core.permissions import require_write
from solocrm.customers.export_views import export_response
from solocrm.customers.exporting import filtered_export
from solocrm.customers.importing import uploads
from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.limits import limits_from_environment
from solocrm.customers.importing.reading import table_read
from solocrm.customers.importing.services import ImportOptions, import_file, import_mapping
from solocrm.customers.importing.tasks import JOB_KIND, import_job_create

router = Router(tags=["import and export"])
MAX_PROBLEMS = 1000


class ImportIn(Schema):
    kind: Literal["customers", "companies"] = "customers"
    mode: Literal["atomic", "partial"] = "atomic"
    on_duplicate: Literal["skip", "update", "create"] = "skip"
    date_order: Literal["dmy", "mdy"] = "dmy"
    mapping: str = ""  # a JSON object {"column header": "field"}, laid over the suggestions
    background: bool = True
    dry_run: bool = False


class ImportJobOut(Schema):
    job_id: int
    status: str
    status_url: str


class ProblemOut(Schema):
    line: int
    column: str
    value: str
    reason: str


class WarningOut(Schema):
    line: int
    column: str
    value: str
    reason: str
    record_id: int | None
    similar: list[dict[str, Any]]


class ImportSummaryOut(Schema):
    file: str
    kind: str
    mode: str
    on_duplicate: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    skipped: int
    rejected: int
    written: bool
    mapping: dict[str, str]
    problems: list[ProblemOut]
    problems_truncated: bool
    warnings: int  # rows imported that look like stored customers (not in the counts above)
    warning_rows: list[WarningOut]


def _mapping(text: str) -> dict[str, str] | None:
    if not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except ValueError as exc:
        raise ValidationError({"mapping": [f"Not JSON: {exc}"]}) from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValidationError({"mapping": ['Use an object like {"column header": "field"}.']})
    return mapping


def _read(file: UploadedFile) -> bytes:
    if (file.size or 0) > limits_from_environment().max_bytes:
        raise ValidationError({"file": ["The file is over the import size limit."]})
    return file.read()


@router.post(
    "/imports",
    response=with_errors({200: ImportSummaryOut, 202: ImportJobOut}),
    summary="Import customers or companies from a CSV or XLSX file",
)
def customers_import(
    request: HttpRequest, file: File[UploadedFile], options: Form[ImportIn]
) -> Any:
    require_write(request.user)
    mapping = _mapping(options.mapping)
    data = _read(file)
    filename = file.name or "upload.csv"
    if options.background and not options.dry_run:
        try:
            table = table_read(data=data, filename=filename)
            import_mapping(table=table, kind=options.kind, mapping=mapping)
        except FileRefused as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        upload = uploads.upload_store(data=data, filename=filename, user=request.user)
        uploads.upload_options_set(
            upload,
            {**options.dict(exclude={"background", "dry_run", "mapping"}), "mapping": mapping},
        )
        job = import_job_create(upload=upload, user=request.user)
        return Status(
            202, {"job_id": job.pk, "status": job.status, "status_url": f"/api/v1/jobs/{job.pk}"}
        )
    summary = import_file(
        data=data,
        filename=filename,
        by=request.user,
        options=ImportOptions(
            kind=options.kind,
            mode=options.mode,
            on_duplicate=options.on_duplicate,
            date_order=options.date_order,
            dry_run=options.dry_run,
        ),
        mapping=mapping,
    )
    if summary.refused:
        raise ValidationError({"file": [summary.refused]})
    problems = summary.problems
    return Status(
        200,
        {
            **summary.as_dict(),
            "problems": [p.as_dict() for p in problems[:MAX_PROBLEMS]],
            "problems_truncated": len(problems) > MAX_PROBLEMS,
            "warning_rows": [w.as_dict() for w in summary.warnings[:MAX_PROBLEMS]],
        },
    )


@router.get(
    "/imports/{job_id}/report",
    response=with_errors({200: str}, 404),
    summary="The rejected rows and warnings of an import job, as CSV (line, column, value, reason)",
)
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    require_write(request.user)
    jobs = core_selectors.jobs_for(request.user).filter(kind=JOB_KIND)
    job = get_object_or_404(jobs, pk=job_id)
    path = uploads.report_path(job.pk)
    content = path.read_bytes() if path.exists() else b"\xef\xbb\xbfline,column,value,reason\r\n"
    return HttpResponse(content, content_type="text/csv; charset=utf-8")


@router.get(
    "/exports/customers",
    response=with_errors({200: str}),
    summary="Export customers as CSV or XLSX; takes the list's filters and format=csv|xlsx",
)
def customers_export(request: HttpRequest) -> HttpResponse:
    result = filtered_export(user=request.user, query=request.GET)
    if isinstance(result, dict):
        raise ValidationError(result)
    return export_response(result)
