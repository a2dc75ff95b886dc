"""Jobs in the tests: a private folder per test, and a real worker loop run in-process."""

from __future__ import annotations

from unittest import mock

import pytest

from tests.sheets.helpers import case_row, csv_bytes, ids


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def run_worker():
    """Run every queued task as django-tasks-db's ``db_worker --batch`` would, here.

    The worker's own loop (claim under an exclusive transaction, run, record); only its
    connection recycling is skipped, which would close the test's transaction.
    """
    from django_tasks_db.management.commands import db_worker

    def run(max_tasks: int | None = None) -> None:
        worker = db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        with mock.patch.object(db_worker, "close_old_connections"):
            worker.run()

    return run


def kunshan_sheet(count: int, *, bad: set[int] = frozenset(), seed: int = 15) -> bytes:
    """``count`` new 昆山 cases as .csv; the rows at the indexes in ``bad`` lack a name."""
    rows = []
    for i, number in enumerate(ids(count, seed=seed)):
        row = case_row(身份证号=number, 姓名=f"职工{i}")
        if i in bad:
            row["姓名"] = ""
        rows.append(row)
    return csv_bytes(rows)
