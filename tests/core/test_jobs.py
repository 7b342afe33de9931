import pytest

from solocrm.core.jobs import job_progress, job_run
from solocrm.core.models import AuditEntry, Job


def test_a_job_runs_once_even_when_its_task_is_delivered_twice(owner):
    job = Job.objects.create(kind="test", created_by=owner)
    calls = []

    def work(current: Job) -> dict:
        calls.append(current.pk)
        job_progress(current, done=3, total=3)
        return {"rows": 3}

    assert job_run(job.pk, work) == {"rows": 3}
    assert job_run(job.pk, work) == {"rows": 3}
    assert calls == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.started_at and job.finished_at


def test_a_failing_job_records_its_error_and_acts_as_its_creator(owner):
    job = Job.objects.create(kind="test", created_by=owner)

    def work(current: Job) -> dict:
        from solocrm.core.audit import audit_record

        audit_record("update", object_type_label="test.thing", object_id=1)
        raise ValueError("row 7: the amount is not a number")

    with pytest.raises(ValueError):
        job_run(job.pk, work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "row 7: the amount is not a number" in job.error
    entry = AuditEntry.objects.get(object_type="test.thing")
    assert (entry.actor_id, entry.channel) == (owner.pk, "job")


def test_job_page_shows_progress_to_its_creator_only(client, owner, member):
    job = Job.objects.create(kind="import", created_by=owner, progress_done=1, progress_total=4)
    client.force_login(owner)
    assert "25%" in client.get("/jobs/").content.decode()
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
    client.force_login(member)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
