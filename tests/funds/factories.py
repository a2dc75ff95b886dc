"""Funds in a given unit, opened with money through the real posting service."""

import datetime
from decimal import Decimal

import factory

from funds.models import EntryKind, Fund, FundKind
from funds.services import income_post


class FundFactory(factory.django.DjangoModelFactory):
    """``FundFactory(unit=units["昆山市总工会"], opening=Decimal("1000"), poster=user)``.

    ``opening`` is posted as own budget by ``poster`` (default: a superuser made for it),
    so the fund's balance and ledger agree from the start.
    """

    class Meta:
        model = Fund
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"送温暖专项资金{n}")
    kind = FundKind.CAMPAIGN

    @factory.post_generation
    def opening(fund, create, extracted, **kwargs):
        if not create or not extracted:
            return
        poster = kwargs.get("poster") or _bookkeeper()
        income_post(
            fund=fund,
            kind=EntryKind.OWN_BUDGET,
            amount=Decimal(extracted),
            source="本级经费",
            acting_user=poster,
        )
        fund.refresh_from_db()


def _bookkeeper():
    from unions.models import User

    user, _created = User.objects.get_or_create(
        username="bookkeeper", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def pay_cash(*, case, fund, amount, acting_user, **fields):
    """A cash disbursement (慰问金) posted through the service, paid by the fund's unit."""
    from funds.models import DisbursementKind
    from funds.services import disbursement_post

    fields.setdefault("disbursed_on", datetime.date(2007, 2, 1))
    fields.setdefault("kind", DisbursementKind.CONDOLENCE)
    fields.setdefault("paying_unit", fund.unit)
    return disbursement_post(
        case=case, fund=fund, cash_amount=amount, acting_user=acting_user, **fields
    )
