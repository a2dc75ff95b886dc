"""Login protection (PRIVACY.md "Login", django-axes): failures counted per username and
client address; a lock says so in Chinese; a city administrator unlocks; the address comes
from X-Forwarded-For only when the deployment says it is behind a proxy."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

LOGIN = reverse("admin:login")
LOCKED_TEXT = "登录失败"


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def attempt(client: Client, password: str, username: str = "kunshan_clerk", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def fail(client: Client, times: int, **extra) -> list[int]:
    return [attempt(client, "wrong-password", **extra).status_code for _ in range(times)]


def test_the_right_password_still_works_before_the_limit(units):
    client = Client()
    fail(client, 2)

    response = attempt(client, "pw-for-tests")

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_after_the_limit_even_the_right_password_is_refused_in_chinese(units):
    client = Client()
    statuses = fail(client, 3)

    response = attempt(client, "pw-for-tests")

    page = response.content.decode()
    assert statuses == [200, 200, 429]  # the form with its error twice, then the lock
    assert response.status_code == 429
    assert "该账号在此地址登录失败 3 次，已被锁定" in page
    assert "请 30 分钟后再试，或请市总管理员解锁" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(units):
    fail(Client(), 3)  # kunshan_clerk from 127.0.0.1

    other_user = attempt(Client(), "pw-for-tests", username="wuzhong_clerk")
    other_address = attempt(Client(REMOTE_ADDR="10.0.0.9"), "pw-for-tests")

    assert other_user.status_code == 302
    assert other_address.status_code == 302


def test_a_city_administrator_unlocks_from_the_admin(units, client_for, city_admin):
    fail(Client(), 3)
    admin_client = client_for(city_admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listed = admin_client.get(changelist)
    locked = AccessAttempt.objects.get(username="kunshan_clerk")

    unlocked = admin_client.post(
        changelist, {"action": "unlock", "_selected_action": [locked.pk]}, follow=True
    )
    after = attempt(Client(), "pw-for-tests")

    assert listed.status_code == 200 and "kunshan_clerk" in listed.content.decode()
    assert "已解除 1 个登录锁定" in unlocked.content.decode()
    assert after.status_code == 302


def test_no_district_role_sees_the_locks(units, client_for, kunshan_head, city_auditor):
    changelist = reverse("admin:axes_accessattempt_changelist")

    for user in (kunshan_head, city_auditor):
        assert client_for(user).get(changelist).status_code == 403


def test_a_forwarded_address_is_ignored_unless_behind_a_proxy(units, settings):
    # Without a proxy, a client sending X-Forwarded-For cannot dodge its own count by
    # changing the header: every attempt counts against REMOTE_ADDR.
    client = Client()
    for number in range(3):
        attempt(client, "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    response = attempt(client, "pw-for-tests", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_proxy_the_address_the_proxy_saw_counts(units, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the address it saw; whatever the client put before it is ignored.
    spoofed = "203.0.113.7, 198.51.100.20"
    fail(Client(), 3, HTTP_X_FORWARDED_FOR=spoofed)

    same_client = attempt(Client(), "pw-for-tests", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20")
    other_client = attempt(Client(), "pw-for-tests", HTTP_X_FORWARDED_FOR="198.51.100.21")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}
    assert same_client.status_code == 429
    assert other_client.status_code == 302
