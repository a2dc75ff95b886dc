"""Twenty clerks pay from one fund at the same moment: it never overdraws (PostgreSQL)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Sum

from funds.models import Disbursement, Fund, LedgerEntry
from funds.services import disbursement_post
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

THREADS = 20
AMOUNT = Decimal("700.00")
OPENING = Decimal("7000.00")  # covers exactly 10 of the 20 postings


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the test proves select_for_update row locks under real "
            "concurrent connections; SQLite serialises every writer on the whole file"
        )


def test_concurrent_postings_never_overdraw_a_fund(units, kunshan_clerk):
    fund = FundFactory(unit=units["昆山市总工会"], opening=OPENING)
    cases = [CaseFactory(unit=units["张浦镇工会"], verified=True) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    accepted: list[Decimal] = []
    refused: list[str] = []
    crashed: list[BaseException] = []
    record = threading.Lock()

    def clerk(case):
        try:
            start.wait()
            paid = disbursement_post(
                case=case,
                disbursed_on=datetime.date(2007, 2, 1),
                kind="condolence",
                cash_amount=AMOUNT,
                fund=fund,
                paying_unit=fund.unit,
                acting_user=kunshan_clerk,
            )
            with record:
                accepted.append(paid.cash_amount)
        except ValidationError as error:
            with record:
                refused.append(str(error))
        except BaseException as error:  # reported below, not swallowed
            with record:
                crashed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    fund = Fund.objects.get(pk=fund.pk)
    ledger_total = LedgerEntry.objects.filter(fund=fund).aggregate(total=Sum("amount"))["total"]
    assert crashed == []
    assert len(accepted) == 10 and len(refused) == 10
    assert all("余额不足" in message or "Not enough money" in message for message in refused)
    assert fund.balance == OPENING - sum(accepted) == Decimal("0.00")
    assert fund.balance >= 0
    assert ledger_total == fund.balance
    assert Disbursement.objects.filter(fund=fund).count() == len(accepted)
    assert not LedgerEntry.objects.filter(fund=fund, balance_after__lt=0).exists()
    # Every accepted posting saw the balance the one before it left.
    running = sorted(
        LedgerEntry.objects.filter(fund=fund).values_list("balance_after", flat=True),
        reverse=True,
    )
    assert running == [OPENING - AMOUNT * n for n in range(11)]
