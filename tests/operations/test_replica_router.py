"""Reads off a replica (OPERATIONS.md): reports, the audit and exports may read it;
every write and every read a write depends on stays on the primary.

The tests' "replica" is a second connection to the test database (TEST MIRROR), so
what each connection was asked is what each database would have been asked.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from core.replica import replica_reads
from funds.models import Fund
from jobs.models import Job
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica(settings):
    settings.RELIEF_REPLICA_ALIAS = "replica"


def tables(captured: CaptureQueriesContext, *names: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if any(n in q["sql"] for n in names)]


def captured():
    return CaptureQueriesContext(connections["default"]), CaptureQueriesContext(
        connections["replica"]
    )


def test_the_summary_page_reads_the_replica(
    replica, client_for, kunshan_head, kunshan_case, kunshan_fund
):
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount="300", acting_user=kunshan_head)
    client = client_for(kunshan_head)
    primary, secondary = captured()

    with primary, secondary:
        response = client.get("/admin/reports/summary/", {"date_from": "2000-01-01"})

    assert response.status_code == 200
    assert tables(secondary, "funds_disbursement")
    assert not tables(primary, "funds_disbursement", "cases_case")
    # Who is asking is read where the login is checked: the primary.
    assert tables(primary, "django_session")


def test_a_posting_never_reads_a_balance_from_the_replica(
    replica, kunshan_clerk, kunshan_case, kunshan_fund
):
    paying_unit = kunshan_fund.unit
    primary, secondary = captured()

    # Even where the code said "reads may be stale" (a report calling a service).
    with replica_reads(), primary, secondary:
        pay_cash(
            case=kunshan_case,
            fund=kunshan_fund,
            amount="400",
            paying_unit=paying_unit,
            acting_user=kunshan_clerk,
        )

    assert secondary.captured_queries == []
    assert tables(primary, "funds_fund")
    assert Fund.objects.get(pk=kunshan_fund.pk).balance == Decimal("9600.00")


def test_reads_inside_a_transaction_stay_on_the_primary(replica, kunshan_fund):
    primary, secondary = captured()

    with replica_reads(), primary, secondary, transaction.atomic():
        Fund.objects.get(pk=kunshan_fund.pk)

    assert secondary.captured_queries == []
    assert tables(primary, "funds_fund")


def test_an_export_reads_the_replica(replica, kunshan_clerk, kunshan_case, tmp_path):
    primary, secondary = captured()

    with primary, secondary:
        call_command(
            "exportsheet",
            "cases",
            "--as",
            "kunshan_clerk",
            "-o",
            str(tmp_path / "x.csv"),
            stdout=io.StringIO(),
        )

    assert tables(secondary, "cases_case")
    assert not tables(primary, "cases_case")
    # The export's log entry is a write: the primary.
    assert tables(primary, 'INSERT INTO "django_admin_log"')


def test_jobs_are_never_read_from_the_replica(replica, kunshan_clerk):
    primary, secondary = captured()

    with replica_reads(), primary, secondary:
        list(Job.objects.for_user(kunshan_clerk))

    assert secondary.captured_queries == []
    assert tables(primary, "jobs_job")


def test_without_a_replica_everything_reads_the_primary(client_for, kunshan_head, kunshan_case):
    client = client_for(kunshan_head)
    primary, secondary = captured()

    with primary, secondary:
        response = client.get("/admin/reports/summary/")

    assert response.status_code == 200
    assert secondary.captured_queries == []
    assert tables(primary, "funds_disbursement")
