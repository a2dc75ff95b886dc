"""Two clerks import the same disbursement sheet at the same moment (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from cases.models import CaseStatus
from funds.models import Disbursement, Fund
from pairings.resources import PairedDisbursementResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory
from tests.sheets.helpers import csv_bytes
from tests.sheets.test_disbursement_sheet import HEADERS, row
from unions.models import User

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 30


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent connections and row locks")


def test_the_same_file_imported_twice_at_once_pays_everyone_once(units):
    fund = FundFactory(
        unit=units["昆山市总工会"], name="送温暖专项资金", opening=Decimal("100000")
    )
    people = [
        CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED) for _ in range(PEOPLE)
    ]
    data = csv_bytes([row(person) for person in people], headers=HEADERS)
    clerks = [User.objects.get(username=name) for name in ("kunshan_clerk", "kunshan_head")]
    start = threading.Barrier(len(clerks))
    results, crashed = [], []

    def clerk(user):
        try:
            resource = PairedDisbursementResource(user=user)
            start.wait()
            results.append(resource.import_sheet(read_sheet(data, "same.csv")))
        except BaseException as error:  # reported below, not swallowed
            crashed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(user,)) for user in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert crashed == []
    assert Disbursement.objects.count() == PEOPLE
    assert Fund.objects.get(pk=fund.pk).balance == Decimal("100000") - 300 * PEOPLE
    outcomes = sorted(r.summary() if not r.errors else "refused" for r in results)
    assert outcomes in (
        ["refused", f"新增 {PEOPLE}，更新 0，未变 0"],
        [f"新增 0，更新 0，未变 {PEOPLE}", f"新增 {PEOPLE}，更新 0，未变 0"],
    )
