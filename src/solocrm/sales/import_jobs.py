"""The background job that imports an uploaded products or orders file.

It is a job of the customers' ``import`` kind, so the customers' job page shows its
progress and offers its report; only the run differs (``sales_import_file``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solocrm.core.jobs import job_create, job_progress, job_run
from solocrm.core.models import Job
from solocrm.customers.importing import uploads
from solocrm.customers.importing.services import ImportOptions
from solocrm.customers.importing.tasks import JOB_KIND, job_result
from solocrm.sales.importing.services import sales_import_file


def sales_import_job_create(*, upload: uploads.Upload, user: Any) -> Job:
    """Queue the import of ``upload`` with its stored options (runs after commit)."""
    return job_create(
        kind=JOB_KIND,
        task=sales_import_task,
        parameters={"upload": upload.token, "file": upload.filename, **upload.options},
        user=user,
    )


def import_options(options: dict[str, Any], *, dry_run: bool = False) -> ImportOptions:
    return ImportOptions(
        kind=options["kind"],
        mode=options.get("mode", "atomic"),
        on_duplicate=options.get("on_duplicate", "skip"),
        date_order=options.get("date_order", "dmy"),
        dry_run=dry_run,
    )


def _work(job: Job) -> dict[str, Any]:
    parameters = job.parameters
    upload = uploads.upload_get(token=parameters["upload"], user=job.created_by)
    if upload is None:
        raise FileNotFoundError("The uploaded file is gone; upload it again.")
    summary = sales_import_file(
        data=upload.read(),
        filename=upload.filename,
        by=job.created_by,
        options=import_options(parameters),
        mapping=parameters.get("mapping") or None,
        unknown_customers=parameters.get("unknown_customers") or "reject",
        progress=lambda done, total: job_progress(job, done=done, total=total),
    )
    return job_result(job, summary, upload)


@task()
def sales_import_task(*, job_id: int) -> dict[str, Any]:
    return job_run(job_id, _work)
