import datetime
from decimal import Decimal

import factory

from pairings.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Beneficiary,
    Period,
    Sponsor,
    SponsorKind,
)
from tests.cases.factories import CaseFactory


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    name = factory.Sequence(lambda n: f"结对单位{n}")
    kind = SponsorKind.ORGANISATION
    # unit: pass one from the `units` fixture, e.g. SponsorFactory(unit=units["金阊区总工会"])


class AgreementFactory(factory.django.DjangoModelFactory):
    """An agreement in effect, signed by the sponsor's unit unless told otherwise."""

    class Meta:
        model = Agreement

    number = factory.Sequence(lambda n: f"XY-{n:04d}")
    sponsor = factory.SubFactory(SponsorFactory, unit=factory.SelfAttribute("..unit"))
    kind = AgreementKind.HARDSHIP
    amount = Decimal("100.00")
    period = Period.MONTHLY
    start = datetime.date(2007, 1, 1)
    end = datetime.date(2030, 12, 31)
    status = AgreementStatus.ACTIVE


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    agreement = factory.SubFactory(AgreementFactory)
    case = factory.SubFactory(
        CaseFactory, unit=factory.SelfAttribute("..agreement.unit"), verified=True
    )
