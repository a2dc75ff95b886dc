"""The jobs in the admin: a large upload or export becomes a job; its page, progress,
confirm, cancel and files; and one scope: a job is its owner's alone."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from jobs import services
from jobs.models import Job, JobStatus
from tests.cases.factories import CaseFactory
from tests.jobs.conftest import kunshan_sheet

CSV = "1"  # the position of .csv in SheetAdminMixin.import_formats / export_formats
IMPORT = "/admin/cases/case/import/"


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.RELIEF_BACKGROUND_ROWS = 5


def upload(client, data: bytes, name: str = "档案.csv"):
    return client.post(IMPORT, {"format": CSV, "import_file": SimpleUploadedFile(name, data)})


def job_page(job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


def test_a_large_upload_is_checked_as_a_job_then_confirmed_on_its_page(
    kunshan_clerk, client_for, run_worker
):
    client = client_for(kunshan_clerk)

    response = upload(client, kunshan_sheet(12))

    check = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job_page(check)
    assert check.dry_run and check.status == JobStatus.QUEUED and check.rows_total == 12
    page = client.get(job_page(check)).content.decode()
    assert 'id="job-bar"' in page and "取消这个任务" in page

    run_worker()
    page = client.get(job_page(check)).content.decode()
    assert "检查完毕，没有错误。确认后将： 新增 12，更新 0，未变 0" in page
    assert Case.objects.count() == 0

    response = client.post(reverse("admin:jobs_job_confirm", args=[check.pk]))
    write = Job.objects.get(checked_by=check)
    assert response["Location"] == job_page(write)
    run_worker()

    assert Case.objects.count() == 12
    page = client.get(job_page(write)).content.decode()
    assert "已导入： 新增 12，更新 0，未变 0" in page
    status = client.get(reverse("admin:jobs_job_status", args=[write.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["rows"] == {"read": 12, "checked": 12, "written": 12, "total": 12}


def test_a_small_upload_keeps_the_preview(kunshan_clerk, client_for):
    response = upload(client_for(kunshan_clerk), kunshan_sheet(5))

    assert response.status_code == 200
    assert "confirm_form" in response.context
    assert not Job.objects.exists()


def test_a_refused_large_upload_shows_the_refusals_and_the_error_file(
    kunshan_clerk, client_for, run_worker
):
    client = client_for(kunshan_clerk)
    upload(client, kunshan_sheet(8, bad={3}))
    job = Job.objects.get()
    run_worker()

    page = client.get(job_page(job)).content.decode()
    assert "未导入任何数据。错误数：1。" in page
    assert '<td class="error-row">5</td><td class="error-column">姓名</td>' in page
    assert "下载错误文件" in page and "重新运行" not in page

    response = client.get(reverse("admin:jobs_job_file", args=[job.pk, "errors"]))
    assert response.status_code == 200
    assert (
        "filename*=utf-8''%E6%A1%A3%E6%A1%88-%E9%94%99%E8%AF%AF%E5%8E%9F%E5%9B%A0.csv"
        in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "错误原因" and rows[4][-1] == "姓名: 这个字段是必填项。"


def test_a_large_export_is_a_job_whose_page_offers_the_file(
    kunshan_clerk, kunshan_case, client_for, run_worker
):
    CaseFactory.create_batch(7, unit=kunshan_case.unit)
    client = client_for(kunshan_clerk)

    response = client.post(
        reverse("admin:cases_case_export") + "?status__exact=pending", {"format": CSV}
    )

    job = Job.objects.get()
    assert response["Location"] == job_page(job)
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result == {"rows": 7}  # the filter held
    download = client.get(reverse("admin:jobs_job_file", args=[job.pk, "export"]))
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 8


def test_a_small_export_is_still_the_file(kunshan_clerk, kunshan_case, client_for):
    response = client_for(kunshan_clerk).post(reverse("admin:cases_case_export"), {"format": CSV})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert not Job.objects.exists()


def test_the_owner_cancels_a_queued_job(kunshan_clerk, client_for, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(6))

    response = client_for(kunshan_clerk).post(reverse("admin:jobs_job_cancel", args=[job.pk]))

    assert response["Location"] == job_page(job)
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and Case.objects.count() == 0


# --- one scope: a job is its owner's alone -------------------------------------------------


@pytest.fixture
def clerks_job(kunshan_clerk, run_worker):
    job = services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(8, bad={2}))
    run_worker()
    return Job.objects.get(pk=job.pk)


@pytest.mark.parametrize("other", ["city_auditor", "city_admin", "kunshan_head", "wuzhong_clerk"])
def test_anyone_else_finds_the_job_missing(other, clerks_job, client_for, request):
    client = client_for(request.getfixturevalue(other))
    missing = uuid.uuid4()

    def answers(pk):
        page = client.get(reverse("admin:jobs_job_change", args=[pk]))
        return page.status_code, page.get("Location", "").replace(str(pk), "PK")

    assert answers(clerks_job.pk) == answers(missing)
    for name, args in [
        ("admin:jobs_job_status", []),
        ("admin:jobs_job_file", ["errors"]),
        ("admin:jobs_job_cancel", []),
        ("admin:jobs_job_rerun", []),
    ]:
        get = client.get if name.endswith(("status", "file")) else client.post
        assert get(reverse(name, args=[clerks_job.pk, *args])).status_code == 404
        assert get(reverse(name, args=[missing, *args])).status_code == 404
    listing = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    assert "档案.csv" not in listing


def test_the_owner_lists_their_own_jobs(clerks_job, kunshan_clerk, client_for):
    listing = client_for(kunshan_clerk).get(reverse("admin:jobs_job_changelist"))

    assert listing.status_code == 200
    assert "档案.csv" in listing.content.decode()
    assert list(listing.context["cl"].result_list) == [clerks_job]
