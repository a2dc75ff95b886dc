"""Posted ledger entries are permanent: corrections are reversals, never edits or deletes."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError, Sum
from django.urls import reverse

from funds.models import Disbursement, EntryKind, Fund, LedgerEntry
from funds.services import allocation_post, entry_reverse
from tests.funds.factories import FundFactory, pay_cash
from unions.models import User


@pytest.fixture
def superuser(units):
    return User.objects.create_superuser("root", password="pw-for-tests")


@pytest.fixture
def entry(kunshan_fund):
    return LedgerEntry.objects.get(fund=kunshan_fund)


def ledger_sum(fund) -> Decimal:
    return LedgerEntry.objects.filter(fund=fund).aggregate(total=Sum("amount"))["total"]


def test_an_entry_cannot_be_saved_again(entry):
    entry.amount = Decimal("99999.00")

    with pytest.raises(TypeError, match="Ledger entries are never changed"):
        entry.save()

    entry.refresh_from_db()
    assert entry.amount == Decimal("10000.00")


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(TypeError, match="Ledger entries are never deleted"):
        entry.delete()

    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(TypeError, match="Ledger entries are never changed"):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
    with pytest.raises(TypeError, match="Ledger entries are never deleted"):
        LedgerEntry.objects.all().delete()

    entry.refresh_from_db()
    assert entry.amount == Decimal("10000.00")


def test_a_fund_with_a_ledger_cannot_be_deleted(kunshan_fund):
    with pytest.raises(ProtectedError, match=re.escape("'LedgerEntry.fund'")):
        Fund.objects.filter(pk=kunshan_fund.pk).delete()

    assert Fund.objects.filter(pk=kunshan_fund.pk).exists()


@pytest.mark.parametrize("page", ["change", "delete"])
def test_the_admin_will_not_change_or_delete_an_entry_even_for_a_superuser(
    superuser, client_for, entry, page
):
    url = reverse(f"admin:funds_ledgerentry_{page}", args=[entry.pk])

    response = client_for(superuser).post(url, {"amount": "1", "post": "yes"})

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.amount == Decimal("10000.00")


def test_the_admin_change_page_of_an_entry_is_read_only(superuser, client_for, entry):
    response = client_for(superuser).get(
        reverse("admin:funds_ledgerentry_change", args=[entry.pk])
    )

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert not response.context["adminform"].form.fields


@pytest.mark.parametrize("model", ["fund", "ledgerentry", "disbursement"])
def test_no_delete_page_or_delete_action_for_money_records_even_for_a_superuser(
    superuser, client_for, kunshan_fund, kunshan_case, model
):
    paid = pay_cash(case=kunshan_case, fund=kunshan_fund, amount="100", acting_user=superuser)
    obj = {"fund": kunshan_fund, "ledgerentry": paid.ledger_entry, "disbursement": paid}[model]
    client = client_for(superuser)

    page = client.post(reverse(f"admin:funds_{model}_delete", args=[obj.pk]), {"post": "yes"})
    changelist = client.get(reverse(f"admin:funds_{model}_changelist"))

    assert page.status_code == 403
    assert "delete_selected" not in changelist.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_reverting_a_past_version_of_a_fund_is_refused(superuser, client_for, kunshan_fund):
    version = kunshan_fund.history.earliest()
    url = reverse("admin:funds_fund_simple_history", args=[kunshan_fund.pk, version.pk])

    response = client_for(superuser).post(url, {"name": "改名", "kind": "other"})

    assert response.status_code == 403
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")


def test_editing_a_fund_never_writes_a_stale_balance(superuser, client_for, kunshan_fund, units):
    client = client_for(superuser)
    url = reverse("admin:funds_fund_change", args=[kunshan_fund.pk])
    page = client.get(url)
    # Money is paid out after the page was loaded and before it is saved.
    from tests.cases.factories import CaseFactory

    case = CaseFactory(unit=kunshan_fund.unit, verified=True)
    pay_cash(case=case, fund=kunshan_fund, amount="2500", acting_user=superuser)

    client.post(url, {"name": "改名后的资金", "kind": "campaign", "is_active": "on", "notes": ""})

    assert page.status_code == 200
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.name == "改名后的资金"
    assert kunshan_fund.balance == Decimal("7500.00") == ledger_sum(kunshan_fund)


def test_a_reversal_posts_the_opposite_amount_linked_to_the_original(
    kunshan_head, kunshan_case, kunshan_fund
):
    paid = pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_head)

    reversal = entry_reverse(entry=paid.ledger_entry, reason="重复录入", acting_user=kunshan_head)

    kunshan_fund.refresh_from_db()
    paid.refresh_from_db()
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.amount == Decimal("800.00")
    assert reversal.reverses_id == paid.ledger_entry_id
    assert reversal.notes == "重复录入"
    assert paid.is_reversed
    assert kunshan_fund.balance == Decimal("10000.00") == ledger_sum(kunshan_fund)


def test_an_entry_cannot_be_reversed_twice_nor_a_reversal_reversed(
    kunshan_head, kunshan_case, kunshan_fund
):
    paid = pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_head)
    reversal = entry_reverse(entry=paid.ledger_entry, reason="错误", acting_user=kunshan_head)

    with pytest.raises(ValidationError, match="该分录已冲正。"):
        entry_reverse(entry=paid.ledger_entry, reason="再冲一次", acting_user=kunshan_head)
    with pytest.raises(ValidationError, match="冲正分录不能再冲正，请另行记账。"):
        entry_reverse(entry=reversal, reason="冲正的冲正", acting_user=kunshan_head)

    kunshan_fund.refresh_from_db()
    assert LedgerEntry.objects.filter(fund=kunshan_fund).count() == 3
    assert kunshan_fund.balance == Decimal("10000.00")


def test_a_reversal_needs_a_reason(kunshan_head, entry):
    with pytest.raises(ValidationError) as error:
        entry_reverse(entry=entry, reason="  ", acting_user=kunshan_head)

    assert error.value.message_dict == {"notes": ["请填写冲正原因。"]}

    assert not LedgerEntry.objects.filter(reverses=entry).exists()


def test_reversing_an_allocation_reverses_both_halves(city_admin, units):
    city = FundFactory(unit=units["苏州市总工会"], opening="100000")
    kunshan = FundFactory(unit=units["昆山市总工会"])
    out, received = allocation_post(
        from_fund=city, to_fund=kunshan, amount="30000", acting_user=city_admin
    )

    entry_reverse(entry=received, reason="拨错单位", acting_user=city_admin)

    city.refresh_from_db()
    kunshan.refresh_from_db()
    assert LedgerEntry.objects.filter(reverses=out, amount=Decimal("30000.00")).exists()
    assert LedgerEntry.objects.filter(reverses=received, amount=Decimal("-30000.00")).exists()
    assert city.balance == Decimal("100000.00") == ledger_sum(city)
    assert kunshan.balance == Decimal("0.00") == ledger_sum(kunshan)
    with pytest.raises(ValidationError, match="该分录已冲正。"):
        entry_reverse(entry=out, reason="再冲", acting_user=city_admin)


def test_the_receiving_district_cannot_reverse_the_citys_allocation(
    city_admin, kunshan_head, units
):
    city = FundFactory(unit=units["苏州市总工会"], opening="100000")
    kunshan = FundFactory(unit=units["昆山市总工会"])
    _out, received = allocation_post(
        from_fund=city, to_fund=kunshan, amount="30000", acting_user=city_admin
    )

    # A bare refusal: the receiver lacks the right, no rule message is involved.
    with pytest.raises(PermissionDenied, match="^$"):
        entry_reverse(entry=received, reason="退回", acting_user=kunshan_head)

    kunshan.refresh_from_db()
    assert kunshan.balance == Decimal("30000.00")
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_reversing_an_income_already_spent_is_refused(kunshan_head, kunshan_case, kunshan_fund):
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount="9000", acting_user=kunshan_head)
    income = LedgerEntry.objects.get(fund=kunshan_fund, kind=EntryKind.OWN_BUDGET)

    with pytest.raises(ValidationError) as refused:
        entry_reverse(entry=income, reason="退回", acting_user=kunshan_head)

    assert refused.value.messages == [
        "昆山送温暖专项资金余额不足：当前余额 1,000.00 元，本次需要 10,000.00 元。"
    ]
    assert "1,000.00" in str(refused.value)
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("1000.00")
    assert not Disbursement.objects.filter(is_reversed=True).exists()
