"""A 昆山 clerk uploads a 20,000-row case sheet: it becomes a background job, the progress
bar moves to the check's result, the confirm writes it; a sheet with a bad row ends with
the refusals and a downloadable error file. A real worker loop runs in a thread."""

from __future__ import annotations

import re
import threading

import pytest
from django.conf import settings
from playwright.sync_api import expect

from cases.models import Case
from tests.jobs.conftest import kunshan_sheet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The tests' SQLite database is in memory with a shared cache, whose table locks do
    # not wait: a worker thread polling the queue collides with the live server's own
    # requests (a 503 page). A file database in WAL mode (make run) does not.
    pytest.mark.skipif(
        "sqlite" in settings.DATABASES["default"]["ENGINE"],
        reason="job browser tests need PostgreSQL (in-memory SQLite locks do not wait)",
    ),
]

ROWS = 20_000


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def worker():
    from django_tasks_db.management.commands.db_worker import Worker

    loop = Worker(
        queue_names=["default"], interval=0.2, batch=False, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="browser-test",
        excluded_queue_names=[],
    )  # fmt: skip
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    yield loop
    loop.running = False
    thread.join(timeout=60)


def upload(page, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(f"{page.base_url}/admin/cases/case/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    page.click(".submit-row input[type=submit]")
    page.wait_for_selector("#job-bar")


def test_a_large_sheet_is_checked_confirmed_and_written_as_a_job(
    units, login, page, tmp_path, worker
):
    login("kunshan_clerk")

    upload(page, tmp_path, "档案.csv", kunshan_sheet(ROWS))
    # Polled from here: the page's Content-Security-Policy forbids evaluating a string
    # (page.wait_for_function), and the bar must move under that policy.
    expect(page.locator("#job-checked")).to_have_text(re.compile(r"[1-9]"), timeout=120_000)
    page.wait_for_selector("#job-confirm-form", timeout=120_000)
    assert f"新增 {ROWS}，更新 0，未变 0" in page.inner_text("#job-result")
    assert Case.objects.count() == 0

    page.click("#job-confirm-form input[type=submit]")
    page.wait_for_selector("#job-result", timeout=180_000)
    assert f"已导入： 新增 {ROWS}" in page.inner_text("#job-result")
    assert Case.objects.count() == ROWS


def test_a_bad_large_sheet_offers_its_error_file(units, login, page, tmp_path, worker):
    login("kunshan_clerk")

    upload(page, tmp_path, "坏档案.csv", kunshan_sheet(ROWS, bad={7}))
    page.wait_for_selector("#job-error-file", timeout=120_000)
    assert "未导入任何数据。错误数：1。" in page.inner_text("#job-error")

    with page.expect_download() as download:
        page.click("#job-error-file")
    saved = tmp_path / "errors.csv"
    download.value.save_as(saved)
    lines = saved.read_text("utf-8-sig").splitlines()
    assert lines[0].endswith("错误原因") and len(lines) == ROWS + 1
    assert lines[8].endswith("姓名: 这个字段是必填项。")
