"""Shared fixtures: the demo union tree, one logged-in client per role, and one case and
one fund per district that the apps' tests share (one meaning each)."""

from decimal import Decimal

import pytest
from django.test import Client

from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory
from unions import demo as unions_demo
from unions.models import UnionUnit, User

ROLE_USERNAMES = [username for username, *_ in unions_demo.DEMO_USERS]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test's pending uploads (sheets.uploads) in its own folder, gone with it.
    settings.RELIEF_PENDING_UPLOAD_DIR = tmp_path / "pending-uploads"
    # Tests run with DEBUG off but without `collectstatic`: serve static files plainly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def units(db) -> dict[str, UnionUnit]:
    """The seed bulletin's unit tree and demo users, keyed by unit name."""
    unions_demo.load(password="pw-for-tests", log=lambda message: None)
    return {unit.name: unit for unit in UnionUnit.objects.all()}


def _user_fixture(username):
    @pytest.fixture(name=username)
    def fixture(units) -> User:
        return User.objects.get(username=username)

    return fixture


for _username in ROLE_USERNAMES:
    globals()[_username] = _user_fixture(_username)


@pytest.fixture
def client_for(units):
    """``client_for(user)`` is a test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


# --- one record of each kind per district ---------------------------------------------------


@pytest.fixture
def kunshan_case(units):
    """A verified case of 张浦镇工会 (a town under 昆山市总工会): one that may be paid."""
    return CaseFactory(unit=units["张浦镇工会"], verified=True, name="张浦困难职工")


@pytest.fixture
def wuzhong_case(units):
    """A verified case of 木渎镇工会 (a town under 吴中区总工会)."""
    return CaseFactory(unit=units["木渎镇工会"], verified=True, name="木渎困难职工")


@pytest.fixture
def kunshan_pending_case(units):
    """A case of 张浦镇工会 just registered, still pending verification."""
    return CaseFactory(unit=units["张浦镇工会"], name="昆山困难户")


@pytest.fixture
def wuzhong_pending_case(units):
    """A case of 木渎镇工会 just registered, still pending verification."""
    return CaseFactory(unit=units["木渎镇工会"], name="吴中困难户")


@pytest.fixture
def kunshan_fund(units):
    """昆山市总工会's relief fund (送温暖), 10,000 yuan in it."""
    return FundFactory(
        unit=units["昆山市总工会"], name="昆山送温暖专项资金", opening=Decimal("10000")
    )


@pytest.fixture
def wuzhong_fund(units):
    """吴中区总工会's relief fund (送温暖), 10,000 yuan in it."""
    return FundFactory(
        unit=units["吴中区总工会"], name="吴中送温暖专项资金", opening=Decimal("10000")
    )
