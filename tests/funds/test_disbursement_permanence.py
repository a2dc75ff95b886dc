"""A posted disbursement's money is protected in code as ledger entries are: a queryset
``update()`` of its money fields is refused; what the admin may change still may."""

from decimal import Decimal

import pytest

from funds.models import Disbursement
from tests.funds.factories import pay_cash


@pytest.fixture
def paid(kunshan_clerk, kunshan_case, kunshan_fund):
    return pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_clerk)


@pytest.mark.parametrize(
    ("field", "value"),
    [("cash_amount", Decimal("1.00")), ("disbursed_on", "2001-01-01"), ("fund", None)],
)
def test_a_bulk_update_of_money_fields_is_refused(paid, field, value):
    with pytest.raises(TypeError, match=rf"Posted disbursements are never changed \({field}\)"):
        Disbursement.objects.filter(pk=paid.pk).update(**{field: value})

    paid.refresh_from_db()
    assert paid.cash_amount == Decimal("800.00")


def test_the_receipt_and_notes_may_still_change_in_bulk(paid):
    changed = Disbursement.objects.filter(pk=paid.pk).update(receipt_signed=True, notes="补签")

    paid.refresh_from_db()
    assert changed == 1 and paid.receipt_signed and paid.notes == "补签"
