"""Issue 13 part 7, two doors of the sheets: bad input answers with a Chinese refusal,
never a server error — an export with a filter the list refuses, and an import confirm
with a forged or expired pending upload (every sheet)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from sheets import uploads

pytestmark = pytest.mark.django_db

SHEET_ADMINS = {
    "cases": "cases_case",
    "disbursements": "funds_disbursement",
    "ledger": "funds_ledgerentry",
    "pairings": "pairings_agreement",
}
REFUSED_FILTER = "未导出任何内容：列表不能这样筛选。请在列表上选择筛选条件后再导出。"
GONE = "这次上传的文件已不在等待导入（已导入、已取消或已过期）：请重新上传文件。"


# Each was a server error (IncorrectLookupParameters) before; the last was a bare 400.
REFUSED_QUERIES = [
    ("funds_disbursement", "unit__id__exact=1"),
    ("funds_ledgerentry", "unit__id__exact=1"),
    *((name, "nosuchfield=1") for name in SHEET_ADMINS.values()),
    *((name, "pk__in=x") for name in SHEET_ADMINS.values()),
    ("cases_case", "id_number__startswith=3205"),
]


@pytest.mark.parametrize("admin_name,query", REFUSED_QUERIES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_export_with_a_filter_the_list_refuses_is_refused(
    client_for, kunshan_clerk, admin_name, query, method
):
    client = client_for(kunshan_clerk)
    url = reverse(f"admin:{admin_name}_export") + "?" + query

    response = getattr(client, method)(url, {"format": "0"} if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"] == reverse(f"admin:{admin_name}_changelist")
    page = client.get(response["Location"])
    assert REFUSED_FILTER in page.content.decode()


@pytest.mark.parametrize("admin_name", SHEET_ADMINS.values())
def test_an_export_with_a_filter_the_list_accepts_still_exports(
    client_for, kunshan_clerk, admin_name
):
    client = client_for(kunshan_clerk)

    response = client.post(reverse(f"admin:{admin_name}_export") + "?o=1", {"format": "1"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def _confirm(client, admin_name, token, fmt="1"):
    return client.post(
        reverse(f"admin:{admin_name}_process_import"),
        {
            "import_file_name": token,
            "original_file_name": "x.csv",
            "format": fmt,
            "resource": "",
        },
        follow=True,
    )


@pytest.mark.parametrize("kind,admin_name", SHEET_ADMINS.items())
@pytest.mark.parametrize(
    "token", ["../../../etc/passwd", "0123456789abcdef0123456789abcdef", "", "tmpabc123"]
)
def test_a_confirm_with_a_forged_file_name_is_refused(
    client_for, kunshan_clerk, kind, admin_name, token
):
    response = _confirm(client_for(kunshan_clerk), admin_name, token)

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse(f"admin:{admin_name}_import"), 302)]
    assert GONE in response.content.decode()


@pytest.mark.parametrize("kind,admin_name", SHEET_ADMINS.items())
def test_a_confirm_of_an_expired_upload_is_refused(
    client_for, kunshan_clerk, kind, admin_name, settings
):
    token = uploads.save(b"x,y\r\n", kunshan_clerk, kind=kind, file_name="x.csv")
    settings.RELIEF_PENDING_UPLOAD_MAX_AGE = datetime.timedelta(0)

    response = _confirm(client_for(kunshan_clerk), admin_name, token)

    assert GONE in response.content.decode()
    assert not list(settings.RELIEF_PENDING_UPLOAD_DIR.glob(f"{token}*"))


@pytest.mark.parametrize("kind,admin_name", SHEET_ADMINS.items())
def test_a_confirm_of_another_sheets_upload_or_a_bad_format_is_refused(
    client_for, kunshan_clerk, kind, admin_name
):
    other = "pairings" if kind != "pairings" else "cases"
    token = uploads.save(b"x,y\r\n", kunshan_clerk, kind=other, file_name="x.csv")
    mine = uploads.save(b"x,y\r\n", kunshan_clerk, kind=kind, file_name="x.csv")
    client = client_for(kunshan_clerk)

    assert GONE in _confirm(client, admin_name, token).content.decode()
    assert GONE in _confirm(client, admin_name, mine, fmt="7").content.decode()
    assert GONE in _confirm(client, admin_name, mine, fmt="-1").content.decode()
