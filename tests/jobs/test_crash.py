"""A crash loses nothing: a real worker process killed in the middle of an import, and two
real workers on one queue (OPERATIONS.md "Data safety")."""

from __future__ import annotations

import json
import time

import pytest

from jobs import services
from tests.jobs.conftest import kunshan_sheet
from tests.jobs.workers import SharedDatabase, kill, stop, wait_for_progress

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 20_000


@pytest.fixture
def shared(tmp_path, private_root):
    return SharedDatabase(tmp_path, private_root)


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_can_run_again(
    kunshan_clerk, shared, private_root
):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(ROWS))
    shared.publish()
    worker = shared.start_worker()
    try:
        # The rows are inserted (not committed) when the write stage is reported.
        wait_for_progress(private_root, job.pk, "write")
        kill(worker)
    finally:
        stop(worker)

    job_row = "SELECT status, error FROM jobs_job WHERE id = %s"
    job_id = job.pk.hex if shared.sqlite_file else str(job.pk)
    assert shared.query(job_row, (job_id,)) == [("running", "")], "killed too late"
    assert shared.query("SELECT count(*) FROM cases_case") == [(0,)]
    assert shared.query("SELECT count(*) FROM cases_historicalcase") == [(0,)]

    # Until the sweep's timeout passes, a running job is left alone.
    swept = shared.manage("jobs", "--sweep", "--stale-seconds", "3600")
    assert swept.stdout.strip() == "标记为失败的任务：0 个。", swept.stderr
    time.sleep(1.1)
    swept = shared.manage("jobs", "--sweep", "--stale-seconds", "1")
    assert swept.stdout.strip() == "标记为失败的任务：1 个。", swept.stderr
    [(status, error)] = shared.query(job_row, (job_id,))
    assert (status, error) == (
        "failed",
        "处理这个任务的后台进程已停止（1 秒没有响应），什么都没有写入。请重新运行。",
    )
    [(task_status,)] = shared.query(
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s",
        (job.task_id.replace("-", "") if shared.sqlite_file else job.task_id,),
    )
    assert task_status == "FAILED"

    rerun = shared.manage("jobs", "--rerun", str(job.pk))
    assert rerun.returncode == 0, rerun.stderr
    again = rerun.stdout.strip()
    finished = shared.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    assert finished.returncode == 0, finished.stderr
    again_id = again.replace("-", "") if shared.sqlite_file else again
    assert shared.query("SELECT status FROM jobs_job WHERE id = %s", (again_id,)) == [("done",)]
    assert shared.query("SELECT count(*) FROM cases_case") == [(ROWS,)]


def test_two_workers_on_one_queue_run_each_job_once(kunshan_clerk, shared):
    jobs = [
        services.create_import_job(
            kunshan_clerk, "cases", f"档案{i}.csv", kunshan_sheet(50, seed=100 + i)
        )
        for i in range(4)
    ]
    shared.publish()
    workers = [shared.start_worker("--worker-id", f"w{i}") for i in range(2)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            [(done,)] = shared.query("SELECT count(*) FROM jobs_job WHERE status = 'done'")
            if done == len(jobs):
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            stop(worker)

    assert shared.query("SELECT count(*) FROM jobs_job WHERE status = 'done'") == [(4,)]
    assert shared.query("SELECT count(*) FROM cases_case") == [(200,)]
    claims = shared.query("SELECT worker_ids FROM django_tasks_database_dbtaskresult")
    assert len(claims) == 4
    assert all(len(json.loads(ids)) == 1 for (ids,) in claims)
