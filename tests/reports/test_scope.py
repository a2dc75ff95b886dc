"""``for_user_listed`` (the reports' scope) is exactly ``for_user``: same rows, every role."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.models import Case, HouseholdMember
from funds.models import Disbursement, Fund
from tests.cases.factories import CaseFactory
from tests.conftest import ROLE_USERNAMES
from unions.models import User

MODELS = [Case, HouseholdMember, Disbursement, Fund]


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def members(world, units, city_admin):
    """The world, plus a case, fund and payment in the districts it leaves out."""
    for name in ("金阊区总工会", "苏州工投公司工会"):
        unit = units[name]
        fund = Fund.objects.create(unit=unit, name="帮扶资金", kind="campaign")
        Disbursement.objects.create(
            case=CaseFactory(unit=unit), disbursed_on=datetime.date(2007, 2, 1),
            kind="condolence", cash_amount=Decimal("100"), fund=fund, paying_unit=unit,
            posted_by=city_admin,
        )  # fmt: skip
    for case in Case.objects.all():
        HouseholdMember.objects.create(case=case, relation="spouse", name="配偶")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("username", ROLE_USERNAMES)
def test_listed_scope_rows_are_the_for_user_rows(members, model, username):
    user = User.objects.get(username=username)

    rows = pks(model._default_manager.for_user_listed(user))

    assert rows == pks(model.objects.for_user(user))
    assert rows  # every demo role sees something of the world


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nobody_sees_anything_without_a_unit(members, model, kunshan_clerk):
    kunshan_clerk.is_active = False
    nobody = User.objects.create(username="nobody")

    for user in (AnonymousUser(), kunshan_clerk, nobody):
        assert pks(model._default_manager.for_user_listed(user)) == set()
