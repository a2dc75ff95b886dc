"""A job's life: queued, running with progress, then done, refused (with an error file),
failed or cancelled; and the CLI's --background."""

from __future__ import annotations

import csv
import io
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from cases.models import Case
from jobs import services
from jobs.models import Job, JobStatus
from jobs.progress import read_progress, request_cancel
from jobs.selectors import job_state
from tests.jobs.conftest import kunshan_sheet


def test_a_queued_import_waits_for_a_worker_then_writes_every_row(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(30))

    assert job.status == JobStatus.QUEUED
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"
    assert Case.objects.count() == 0

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["summary"] == "新增 30，更新 0，未变 0"
    assert (job.rows_total, job.rows_read, job.rows_checked, job.rows_written) == (30, 30, 30, 30)
    assert Case.objects.count() == 30
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    assert job_state(job)["percent"] == 100


def test_progress_is_reported_while_running(kunshan_clerk, run_worker):
    """The engine's progress callback reaches the progress file the page polls."""
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(5))
    seen = []

    from jobs import progress as progress_module

    original = progress_module.Heartbeat.progress

    def spy(self, stage, done, total):
        original(self, stage, done, total)
        self.write()
        seen.append((stage, read_progress(self.job_id)))

    with mock.patch.object(progress_module.Heartbeat, "progress", spy):
        run_worker()

    stages = [stage for stage, _ in seen]
    assert "check" in stages and "write" in stages
    check = next(data for stage, data in seen if stage == "check")
    assert check["checked"] == 5 and check["total"] == 5
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


def test_a_running_job_shows_percent_elapsed_and_remaining(kunshan_clerk):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(3))
    from django.utils import timezone

    from jobs.progress import Heartbeat

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - timezone.timedelta(seconds=10)
    )
    beat = Heartbeat(job.pk)
    beat.update(stage="check", read=1000, checked=1000, total=1000)
    beat.write()
    job.refresh_from_db()

    state = job_state(job)

    # Check 1,000 of 1,000 and write none of 1,000: half the work in 10 s.
    assert state["percent"] == 50
    assert state["rows"] == {"read": 1000, "checked": 1000, "written": 0, "total": 1000}
    assert 9 <= state["elapsed"] <= 12
    assert 9 <= state["remaining"] <= 12


def test_a_refused_sheet_writes_nothing_and_offers_an_error_file(kunshan_clerk, run_worker):
    job = services.create_import_job(
        kunshan_clerk, "cases", "档案.csv", kunshan_sheet(6, bad={1, 4})
    )

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED
    assert job.error == "未导入任何数据。错误数：2。"
    assert job.result["errors"] == [
        [3, "姓名", "这个字段是必填项。"],
        [6, "姓名", "这个字段是必填项。"],
    ]
    assert Case.objects.count() == 0

    from jobs.files import file_path

    rows = list(csv.reader(io.StringIO(file_path(job.pk, job.error_file).read_text("utf-8-sig"))))
    assert rows[0][-1] == "错误原因"
    assert len(rows) == 7  # the header and every row, good ones too
    assert [r[-1] for r in rows[1:]] == [
        "",
        "姓名: 这个字段是必填项。",
        "",
        "",
        "姓名: 这个字段是必填项。",
        "",
    ]


def test_the_error_file_corrected_imports_whole(kunshan_clerk, run_worker):
    """The clerk fills the names in the error file and uploads it as it is."""
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(4, bad={2}))
    run_worker()
    job.refresh_from_db()
    from jobs.files import file_path

    rows = list(csv.reader(io.StringIO(file_path(job.pk, job.error_file).read_text("utf-8-sig"))))
    rows[3][0] = "补上的名字"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)

    again = services.create_import_job(
        kunshan_clerk, "cases", "档案-错误原因.csv", buffer.getvalue().encode("utf-8-sig")
    )
    run_worker()

    again.refresh_from_db()
    assert again.status == JobStatus.DONE, again.result
    assert Case.objects.count() == 4
    assert Case.objects.filter(name="补上的名字").exists()


def test_a_check_only_job_writes_nothing_until_confirmed(kunshan_clerk, run_worker):
    check = services.create_import_job(
        kunshan_clerk, "cases", "档案.csv", kunshan_sheet(8), dry_run=True
    )
    run_worker()
    check.refresh_from_db()
    assert check.status == JobStatus.DONE
    assert check.result["summary"] == "新增 8，更新 0，未变 0"
    assert Case.objects.count() == 0

    write = services.confirm_import(check)
    assert services.confirm_import(check) == write  # a double click confirms once
    run_worker()

    write.refresh_from_db()
    assert write.status == JobStatus.DONE and write.checked_by == check
    assert Case.objects.count() == 8


def test_a_job_that_raises_is_failed_in_words_and_writes_nothing(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(5))

    with mock.patch("jobs.runner._finish_import", side_effect=RuntimeError("boom")):
        run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "后台任务出错而停止，什么都没有写入。（RuntimeError）"
    assert Case.objects.count() == 0
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"

    again = services.rerun_job(job)
    run_worker()
    again.refresh_from_db()
    assert again.status == JobStatus.DONE
    assert Case.objects.count() == 5


def test_a_queued_job_cancelled_never_runs(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(5))

    services.cancel_job(job)
    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.error == "在开始之前已取消，什么都没有写入。"
    assert Case.objects.count() == 0


def test_a_running_job_cancelled_rolls_back_at_its_next_report(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(5))

    from jobs import progress as progress_module

    original = progress_module.Heartbeat.progress

    def cancel_at_write(self, stage, done, total):
        if stage == "write" and done == total:
            request_cancel(self.job_id)  # the owner clicks while the rows are written
        original(self, stage, done, total)

    with mock.patch.object(progress_module.Heartbeat, "progress", cancel_at_write):
        run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.error == "已取消，什么都没有写入。"
    assert Case.objects.count() == 0


def test_a_job_enqueued_twice_runs_once(kunshan_clerk, run_worker):
    """Two workers handed the same job (the same task queued twice): one does the work."""
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(5))
    services.enqueue(job)

    run_worker()

    results = DBTaskResult.objects.order_by("finished_at").values_list("return_value", flat=True)
    assert sorted(results) == ["done", "skipped"]
    assert Case.objects.count() == 5


def test_a_job_takes_more_rows_than_a_request_a_chunk_at_a_time(
    kunshan_clerk, run_worker, settings, monkeypatch
):
    from cases.resources import CaseResource

    settings.RELIEF_SHEET_MAX_ROWS = 10  # a request's
    settings.RELIEF_JOB_MAX_ROWS = 40
    monkeypatch.setattr(CaseResource, "chunk_rows", 7)
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(30))

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["summary"] == "新增 30，更新 0，未变 0"
    assert (job.rows_checked, job.rows_written) == (30, 30)
    assert Case.objects.count() == 30


def test_a_job_refuses_more_rows_than_its_own_limit_naming_it(kunshan_clerk, run_worker, settings):
    settings.RELIEF_SHEET_MAX_ROWS = 10
    settings.RELIEF_JOB_MAX_ROWS = 20
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(30))

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED
    assert job.error == "表格在表头以下超过 20 行的上限：请分成几个较小的文件导入。"
    assert Case.objects.count() == 0


def test_an_unreadable_file_is_refused_in_words(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.xlsx", b"not a workbook")
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED
    assert job.error == "无法读取该文件：请另存为 Excel .xlsx 工作簿。"
    assert not job.error_file


def test_importsheet_background_queues_and_prints_the_job(kunshan_clerk, tmp_path, run_worker):
    sheet = tmp_path / "档案.csv"
    sheet.write_bytes(kunshan_sheet(3))
    out = io.StringIO()

    call_command(
        "importsheet", "cases", str(sheet), "--as", "kunshan_clerk", "--background", stdout=out
    )

    job = Job.objects.get()
    assert (
        out.getvalue().strip() == f"已排入后台任务 {job.pk}：见 /admin/jobs/job/{job.pk}/change/"
    )
    assert Case.objects.count() == 0
    run_worker()
    assert Case.objects.count() == 3


def test_importsheet_background_refuses_a_user_who_may_not_import(city_auditor, tmp_path):
    from django.core.management.base import CommandError

    sheet = tmp_path / "档案.csv"
    sheet.write_bytes(kunshan_sheet(3))
    with pytest.raises(CommandError, match="您没有导入困难职工档案的权限。") as raised:
        call_command("importsheet", "cases", str(sheet), "--as", "city_auditor", "--background")
    assert raised.value.returncode == 2
    assert not Job.objects.exists()


def test_exportsheet_background_writes_the_file_in_the_job(kunshan_clerk, run_worker):
    services_out = io.StringIO()
    from tests.cases.factories import CaseFactory

    CaseFactory.create_batch(4, unit=kunshan_clerk.memberships.get().unit)
    call_command(
        "exportsheet",
        "cases",
        "--as",
        "kunshan_clerk",
        "-o",
        "档案.csv",
        "--background",
        stdout=services_out,
    )
    job = Job.objects.get()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result == {"rows": 4}
    from jobs.files import file_path

    text = file_path(job.pk, job.export_file).read_text("utf-8-sig")
    assert len(text.strip().splitlines()) == 5
    assert json.loads(json.dumps(job_state(job)))["percent"] == 100


def test_the_work_and_the_beat_write_the_progress_file_in_turn(kunshan_clerk, tmp_path):
    import threading

    from jobs.progress import Heartbeat

    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(1))
    beat = Heartbeat(job.pk, total=10)
    failed: list[BaseException] = []

    def write_often() -> None:
        try:
            for _ in range(300):
                beat.write()
        except BaseException as error:  # reported below
            failed.append(error)

    writers = [threading.Thread(target=write_often) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert failed == []
    assert read_progress(job.pk)["total"] == 10
