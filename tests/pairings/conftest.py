"""A sponsor shared by two districts, each with its own agreement under it."""

from decimal import Decimal

import pytest

from pairings.models import SponsorKind
from tests.funds.factories import FundFactory
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory, SponsorFactory

JINCHANG_SECRET_NUMBER = "JC-SECRET-01"
JINCHANG_SECRET_NAME = "金阊秘密人"
JINCHANG_PRIVATE_SPONSOR = "金阊个人捐助者"


@pytest.fixture
def bank(units):
    """中国农业银行苏州分行, registered by 金阊: a public sponsor any district may sign with."""
    return SponsorFactory(
        name="中国农业银行苏州分行", kind=SponsorKind.ORGANISATION, unit=units["金阊区总工会"]
    )


@pytest.fixture
def jinchang_agreement(units, bank):
    agreement = AgreementFactory(
        number=JINCHANG_SECRET_NUMBER, unit=units["金阊区总工会"], sponsor=bank
    )
    BeneficiaryFactory(agreement=agreement, case__name=JINCHANG_SECRET_NAME)
    return agreement


@pytest.fixture
def kunshan_agreement(units, bank):
    agreement = AgreementFactory(number="KS-OWN-01", unit=units["昆山市总工会"], sponsor=bank)
    BeneficiaryFactory(agreement=agreement, case__name="昆山受助人")
    return agreement


@pytest.fixture
def jinchang_private_sponsor(units):
    return SponsorFactory(
        name=JINCHANG_PRIVATE_SPONSOR, kind=SponsorKind.INDIVIDUAL, unit=units["金阊区总工会"]
    )


@pytest.fixture
def kunshan_pairing_fund(units):
    """昆山市总工会's fund for pairing payments (not the relief fund ``kunshan_fund``)."""
    return FundFactory(unit=units["昆山市总工会"], name="昆山结对助学金", opening=Decimal("1000"))


@pytest.fixture
def jinchang_pairing_fund(units):
    """金阊区总工会's fund that pairing payments may be drawn from."""
    return FundFactory(
        unit=units["金阊区总工会"], name="金阊扶贫帮困基金会", opening=Decimal("1000")
    )
