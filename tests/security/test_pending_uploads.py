"""Issue 13 part 3: an uploaded sheet is kept only until its import is confirmed, refused
or cancelled, or it is older than the configured age; never in the system temp folder."""

from __future__ import annotations

import datetime
import io
import os
import stat
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from cases.models import Case
from sheets import uploads
from tests.sheets.helpers import case_row, csv_bytes

pytestmark = pytest.mark.django_db

XLSX, CSV = "0", "1"  # SheetAdminMixin.import_formats


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    """The system temp folder, watched: nothing of an upload may land there."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def pending_files(settings) -> list[str]:
    folder = settings.RELIEF_PENDING_UPLOAD_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def upload(client, data: bytes, name="cases.csv"):
    return client.post(
        reverse("admin:cases_case_import"),
        {
            "format": XLSX if name.endswith(".xlsx") else CSV,
            "import_file": SimpleUploadedFile(name, data),
        },
    )


def confirm_data(preview) -> dict:
    form = preview.context["confirm_form"]
    return {name: form[name].value() for name in form.fields}


def test_a_preview_keeps_the_file_private_and_out_of_the_system_temp_folder(
    client_for, kunshan_clerk, settings, system_temp
):
    preview = upload(client_for(kunshan_clerk), csv_bytes([case_row()]))

    assert preview.context["confirm_form"] is not None
    token = confirm_data(preview)["import_file_name"]
    assert pending_files(settings) == [f"{token}.json", f"{token}.upload"]
    folder = settings.RELIEF_PENDING_UPLOAD_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in pending_files(settings):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert list(system_temp.iterdir()) == []


def test_a_large_upload_is_spooled_in_the_private_folder_too(
    client_for, kunshan_clerk, settings, system_temp
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # so Django writes the upload to a file
    data = csv_bytes([case_row(备注="x" * 4000)])

    preview = upload(client_for(kunshan_clerk), data)

    assert preview.context["confirm_form"] is not None
    assert list(system_temp.iterdir()) == []
    assert (settings.RELIEF_PENDING_UPLOAD_DIR / "incoming").is_dir()


def test_the_confirm_imports_and_deletes_the_file(client_for, kunshan_clerk, settings):
    client = client_for(kunshan_clerk)
    preview = upload(client, csv_bytes([case_row()]))

    done = client.post(
        reverse("admin:cases_case_process_import"), confirm_data(preview), follow=True
    )

    assert done.status_code == 200
    assert Case.objects.count() == 1
    assert pending_files(settings) == []


def test_a_refused_file_is_deleted_at_once(client_for, kunshan_clerk, settings):
    refused = upload(client_for(kunshan_clerk), csv_bytes([case_row(身份证号="123")]))

    assert refused.context["result"].errors
    assert "confirm_form" not in refused.context or not refused.context["confirm_form"]
    assert pending_files(settings) == []


def test_an_unreadable_file_is_deleted_at_once(client_for, kunshan_clerk, settings):
    refused = upload(client_for(kunshan_clerk), b"PK\x03\x04 nothing", name="cases.xlsx")

    assert "无法读取该文件" in refused.content.decode()
    assert pending_files(settings) == []


def test_a_file_over_the_upload_limit_is_refused_by_the_form(client_for, kunshan_clerk, settings):
    settings.RELIEF_SHEET_MAX_UPLOAD_BYTES = 2048
    settings.RELIEF_JOB_MAX_UPLOAD_BYTES = 2048  # a job may not take it either
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spooled: the handler stops at the limit

    refused = upload(client_for(kunshan_clerk), csv_bytes([case_row(备注="x" * 4000)]))

    assert refused.status_code == 200
    assert "超过 2 KB 的上限：请分成几个较小的文件导入。" in refused.content.decode()
    assert pending_files(settings) == []


def test_a_file_over_a_requests_limit_within_a_jobs_goes_to_a_job(
    client_for, kunshan_clerk, settings
):
    from jobs.models import Job

    settings.RELIEF_SHEET_MAX_UPLOAD_BYTES = 2048
    settings.RELIEF_JOB_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024

    sent = upload(client_for(kunshan_clerk), csv_bytes([case_row(备注="x" * 4000)]))

    job = Job.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("admin:jobs_job_change", args=[job.pk])
    assert job.dry_run and job.owner == kunshan_clerk
    assert pending_files(settings) == []  # the job keeps its own copy, privately


def test_the_cancel_button_deletes_the_file(client_for, kunshan_clerk, settings):
    client = client_for(kunshan_clerk)
    preview = upload(client, csv_bytes([case_row()]))
    assert 'name="cancel"' in preview.content.decode()

    cancelled = client.post(
        reverse("admin:cases_case_cancel_import"), confirm_data(preview), follow=True
    )

    assert "已取消导入：上传的文件已删除。" in cancelled.content.decode()
    assert pending_files(settings) == []
    assert not Case.objects.exists()


def test_another_user_can_neither_cancel_nor_confirm_a_file(
    client_for, kunshan_clerk, units, settings
):
    from unions.models import User

    preview = upload(client_for(kunshan_clerk), csv_bytes([case_row()]))
    other = client_for(User.objects.get(username="kunshan_head"))

    other.post(reverse("admin:cases_case_cancel_import"), confirm_data(preview))
    refused = other.post(
        reverse("admin:cases_case_process_import"), confirm_data(preview), follow=True
    )

    assert "这次上传的文件已不在等待导入" in refused.content.decode()
    assert len(pending_files(settings)) == 2  # still the clerk's, waiting
    assert not Case.objects.exists()


def test_a_confirm_after_the_age_is_refused_and_the_file_is_gone(
    client_for, kunshan_clerk, settings
):
    client = client_for(kunshan_clerk)
    preview = upload(client, csv_bytes([case_row()]))
    settings.RELIEF_PENDING_UPLOAD_MAX_AGE = datetime.timedelta(0)

    refused = client.post(
        reverse("admin:cases_case_process_import"), confirm_data(preview), follow=True
    )

    assert "这次上传的文件已不在等待导入（已导入、已取消或已过期）" in refused.content.decode()
    assert pending_files(settings) == []
    assert not Case.objects.exists()


def _age(settings, hours: float) -> None:
    then = datetime.datetime.now().timestamp() - hours * 3600
    for name in pending_files(settings):
        os.utime(settings.RELIEF_PENDING_UPLOAD_DIR / name, (then, then))


def test_every_upload_purges_the_files_older_than_the_age(client_for, kunshan_clerk, settings):
    client = client_for(kunshan_clerk)
    old = confirm_data(upload(client, csv_bytes([case_row()])))["import_file_name"]
    _age(settings, 5)  # the default age is 4 hours

    new = confirm_data(upload(client, csv_bytes([case_row()])))["import_file_name"]

    assert pending_files(settings) == [f"{new}.json", f"{new}.upload"]
    assert old != new


def test_the_purge_command_deletes_what_is_older_than_the_age(client_for, kunshan_clerk, settings):
    client = client_for(kunshan_clerk)
    upload(client, csv_bytes([case_row()]))
    _age(settings, 5)
    fresh = confirm_data(upload(client, csv_bytes([case_row()])))["import_file_name"]
    out = io.StringIO()

    call_command("purge_uploads", stdout=out)
    assert out.getvalue().strip() == "已删除 0 个待导入的上传文件；仍有 1 个在等待。"
    assert pending_files(settings) == [f"{fresh}.json", f"{fresh}.upload"]

    call_command("purge_uploads", "--older-than", "0", stdout=out)
    assert pending_files(settings) == []


def test_the_purge_command_uses_the_configured_age(client_for, kunshan_clerk, settings):
    upload(client_for(kunshan_clerk), csv_bytes([case_row()]))
    _age(settings, 0.5)
    out = io.StringIO()

    with override_settings(RELIEF_PENDING_UPLOAD_MAX_AGE=datetime.timedelta(minutes=20)):
        call_command("purge_uploads", stdout=out)

    assert out.getvalue().strip() == "已删除 1 个待导入的上传文件；仍有 0 个在等待。"


# --- the API a background worker will use ---------------------------------------------


def test_the_api_saves_opens_and_deletes_for_one_user(kunshan_clerk, units, settings):
    from unions.models import User

    token = uploads.save(b"a,b\r\n", kunshan_clerk, kind="cases", file_name="../档案.csv")
    pending = uploads.open(token, kunshan_clerk)

    assert (pending.read(), pending.kind, pending.file_name) == (b"a,b\r\n", "cases", "档案.csv")
    with pytest.raises(uploads.UploadGone):
        uploads.open(token, User.objects.get(username="wuzhong_clerk"))
    with pytest.raises(uploads.UploadGone):
        uploads.open(token, kunshan_clerk, kind="disbursements")
    uploads.delete(token)
    with pytest.raises(uploads.UploadGone):
        uploads.open(token, kunshan_clerk)


@pytest.mark.parametrize("token", ["../../etc/passwd", "", "0" * 32, "x" * 32, None])
def test_a_forged_token_finds_nothing(kunshan_clerk, token):
    with pytest.raises(uploads.UploadGone) as gone:
        uploads.open(token, kunshan_clerk)

    assert str(gone.value) == (
        "这次上传的文件已不在等待导入（已导入、已取消或已过期）：请重新上传文件。"
    )
