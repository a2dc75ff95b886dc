"""The disk full while a job writes its export: a clear failure, no partial file offered."""

from __future__ import annotations

import errno
import re
from contextlib import contextmanager
from unittest import mock

from jobs import files, runner, services
from jobs.models import JobStatus


class FullDisk:
    """A file that takes some bytes, then fails as a full disk does."""

    def __init__(self, stream, room: int) -> None:
        self.stream, self.room = stream, room

    def write(self, data) -> int:
        if len(data) > self.room:
            self.stream.write(bytes(data[: self.room]))  # what fits is on disk
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.stream.write(data)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def test_the_disk_full_under_an_export_fails_it_clearly_and_keeps_no_file(
    kunshan_clerk, kunshan_case, run_worker, client_for
):
    from tests.cases.factories import CaseFactory

    CaseFactory.create_batch(30, unit=kunshan_case.unit)
    job = services.create_export_job(kunshan_clerk, "cases", "档案.csv")
    real = files.atomic_file
    written_partly: list[int] = []

    @contextmanager
    def filling(job_id, name):
        with real(job_id, name) as stream:
            disk = FullDisk(stream, room=200)
            try:
                yield disk
            finally:
                written_partly.append(stream.tell())

    with mock.patch.object(runner, "atomic_file", filling):
        run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "磁盘已满：导出没有完成，没有保留任何文件。请管理员腾出空间后重新运行。"
    assert job.export_file == ""
    assert written_partly == [200], "the export stopped on a full disk, part written"
    left = sorted(p.name for p in files.job_dir(job.pk).iterdir())
    assert not [name for name in left if re.match(r"(export|\.part-)", name)], left
    response = client_for(kunshan_clerk).get(f"/admin/jobs/job/{job.pk}/file/export/")
    assert response.status_code == 404

    again = services.rerun_job(job)  # the disk freed: run it again
    run_worker()
    again.refresh_from_db()
    assert again.status == JobStatus.DONE and again.result == {"rows": 31}
