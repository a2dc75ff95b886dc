"""Faults survived (OPERATIONS.md "Data safety"): the database going away under running
requests, a disconnect in the middle of a posting, the disk full under an export.

The database restart itself is a drill on a real server (bench/drill_db_restart.py);
here the same failures are raised where the driver would raise them. The disk full under
an export job is in tests/jobs/test_disk_full.py.
"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client

from funds.models import Disbursement, Fund, LedgerEntry
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db


def broken_cursor(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_requests_while_the_database_is_down_get_a_chinese_503_then_resume(
    kunshan_clerk, monkeypatch
):
    client = Client(raise_request_exception=False)
    client.force_login(kunshan_clerk)

    with monkeypatch.context() as down:
        down.setattr(connections["default"], "cursor", broken_cursor)
        response = client.get("/admin/cases/case/")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    text = response.content.decode()
    assert "<h1>服务暂时不可用</h1>" in text
    assert "数据库没有响应，本次操作没有保存任何内容。请稍等片刻再试。" in text
    assert "Traceback" not in text and "OperationalError" not in text

    # The database is back: the next request is served, no restart needed.
    assert client.get("/admin/cases/case/").status_code == 200


def test_any_other_error_is_a_chinese_500_page(kunshan_clerk, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(kunshan_clerk)

    with mock.patch(
        "django.contrib.admin.views.main.ChangeList.get_results", side_effect=RuntimeError("bug")
    ):
        response = client.get("/admin/cases/case/")

    assert response.status_code == 500
    assert "<h1>出错了</h1>" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()


def test_a_disconnect_in_the_middle_of_a_posting_writes_nothing(
    kunshan_clerk, kunshan_case, kunshan_fund
):
    paying_unit = kunshan_fund.unit
    original = Fund.save

    def save_then_drop(self, *args, **kwargs):
        original(self, *args, **kwargs)  # the balance moved, the entry is written...
        raise OperationalError("server closed the connection unexpectedly")

    with (
        mock.patch.object(Fund, "save", save_then_drop),
        pytest.raises(OperationalError, match="server closed the connection unexpectedly"),
    ):
        pay_cash(
            case=kunshan_case,
            fund=kunshan_fund,
            amount="500",
            paying_unit=paying_unit,
            acting_user=kunshan_clerk,
        )

    # ...and all of it is rolled back with the transaction.
    assert Fund.objects.get(pk=kunshan_fund.pk).balance == Decimal("10000.00")
    assert not Disbursement.objects.exists()
    assert LedgerEntry.objects.filter(fund=kunshan_fund).count() == 1  # the opening only
