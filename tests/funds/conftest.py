"""Fixtures for the money side: one verified case and one funded fund per district."""

from decimal import Decimal

import pytest

from cases.models import CaseStatus
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory


@pytest.fixture
def kunshan_case(units):
    return CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED, name="张浦困难职工")


@pytest.fixture
def wuzhong_case(units):
    return CaseFactory(unit=units["木渎镇工会"], status=CaseStatus.VERIFIED, name="木渎困难职工")


@pytest.fixture
def kunshan_fund(units):
    return FundFactory(
        unit=units["昆山市总工会"], name="昆山送温暖专项资金", opening=Decimal("10000")
    )


@pytest.fixture
def wuzhong_fund(units):
    return FundFactory(
        unit=units["吴中区总工会"], name="吴中送温暖专项资金", opening=Decimal("10000")
    )
