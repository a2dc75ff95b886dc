"""Shared fixtures: the demo union tree and one logged-in client per role."""

import pytest
from django.test import Client

from unions import demo as unions_demo
from unions.models import UnionUnit, User

ROLE_USERNAMES = [username for username, *_ in unions_demo.DEMO_USERS]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
