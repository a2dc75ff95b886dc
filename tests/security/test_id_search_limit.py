"""Masked numbers stay masked (issue 13 part 6): ID searches by roles without the
full-ID permission are limited per user and window, each is logged, and no list link
carries the number searched."""

import random
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accesslog.models import AccessRecord, Action
from adminkit.searchtokens import TOKEN_VAR
from cases import services
from cases.idnumbers import random_id_number
from tests.cases.factories import CaseFactory
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
REFUSAL = "按身份证号查询过于频繁：每10分钟最多3次。本次未查询，请稍后再试。"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.ID_SEARCH_LIMIT = 3
    settings.ID_SEARCH_WINDOW_MINUTES = 10


@pytest.fixture
def numbers():
    rng = random.Random(6)
    return [random_id_number(rng, "320583") for _ in range(6)]


@pytest.fixture
def case(units, numbers):
    return CaseFactory(unit=units["张浦镇工会"], id_number=numbers[0], verified=True)


def search(client, url, term):
    response = client.get(url, {"q": term}, follow=True)
    assert response.status_code == 200
    return response


def found(response):
    return list(response.context["cl"].result_list)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_masked_role_is_refused_over_the_limit_in_chinese(
    client_for, city_auditor, case, numbers
):
    client = client_for(city_auditor)

    for number in numbers[1:4]:
        assert found(search(client, CASES, number)) == []
    over = search(client, CASES, case.id_number)

    assert found(over) == []
    assert REFUSAL in messages_of(over)
    assert AccessRecord.objects.filter(user=city_auditor, action=Action.SEARCH_ID).count() == 3
    assert (
        AccessRecord.objects.filter(user=city_auditor, action=Action.SEARCH_ID_REFUSED).count()
        == 1
    )


def test_within_the_limit_the_search_finds_and_is_logged(client_for, city_auditor, case):
    response = search(client_for(city_auditor), CASES, case.id_number)

    assert found(response) == [case]
    assert AccessRecord.objects.get(action=Action.SEARCH_ID).count == 1


def test_the_window_passes(client_for, city_auditor, case, numbers, settings):
    client = client_for(city_auditor)
    for number in numbers[1:4]:
        search(client, CASES, number)

    settings.ID_SEARCH_WINDOW_MINUTES = 0  # every earlier search is now outside it

    assert found(search(client, CASES, case.id_number)) == [case]


def test_several_numbers_in_one_search_count_each(client_for, city_auditor, case, numbers):
    response = search(client_for(city_auditor), CASES, " ".join(numbers[1:5]))

    assert REFUSAL in messages_of(response)


def test_roles_with_full_ids_are_not_limited_but_logged(client_for, kunshan_clerk, case, numbers):
    client = client_for(kunshan_clerk)

    for number in numbers[1:5]:
        search(client, CASES, number)
    last = search(client, CASES, case.id_number)

    assert found(last) == [case]
    assert AccessRecord.objects.filter(user=kunshan_clerk, action=Action.SEARCH_ID).count() == 5


def test_a_name_search_is_neither_limited_nor_logged(client_for, city_auditor, case, numbers):
    client = client_for(city_auditor)
    for number in numbers[1:4]:
        search(client, CASES, number)

    assert found(search(client, CASES, case.name)) == [case]
    assert AccessRecord.objects.filter(action=Action.SEARCH_ID).count() == 3


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/referral/",
        "/admin/cases/annualreview/",
        "/admin/funds/disbursement/",
    ],
)
def test_every_list_with_an_id_search_shares_the_limit(
    client_for,
    city_auditor,
    city_admin,
    kunshan_head,
    kunshan_clerk,
    kunshan_fund,
    case,
    numbers,
    url,
):
    services.referral_submit(case=case, reason="重病", acting_user=kunshan_head)
    services.review_record(
        case=case,
        reviewed_on=case.verified_on.replace(year=2025),
        outcome="continue",
        notes="",
        acting_user=kunshan_clerk,
    )
    pay_cash(case=case, fund=kunshan_fund, amount=Decimal("100"), acting_user=kunshan_clerk)
    client = client_for(city_auditor)

    first = search(client, url, case.id_number)
    for number in numbers[1:3]:
        search(client, CASES, number)
    over = search(client, url, case.id_number)

    assert len(found(first)) == 1
    assert found(over) == []
    assert REFUSAL in messages_of(over)


def test_the_number_searched_is_in_no_link_of_the_result_page(
    client_for, kunshan_clerk, units, case
):
    client = client_for(kunshan_clerk)

    first = client.get(CASES, {"q": case.id_number, "status__exact": "verified"})
    assert first.status_code == 302
    assert case.id_number not in first["Location"]
    assert f"{TOKEN_VAR}=" in first["Location"]
    assert "status__exact=verified" in first["Location"]
    page = client.get(first["Location"])

    html = page.content.decode()
    assert found(page) == [case]
    links = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert links and not [link for link in links if case.id_number in link]
    # Sorting, filter and "return to the list" links carry the token instead.
    assert any(TOKEN_VAR in link and "o=" in link for link in links)
    change = reverse("admin:cases_case_change", args=[case.pk])
    assert any(link.startswith(change) and TOKEN_VAR in link for link in links)


def test_the_export_of_a_token_search_exports_what_was_found(
    client_for, kunshan_clerk, units, case
):
    CaseFactory(unit=units["张浦镇工会"])
    client = client_for(kunshan_clerk)
    location = client.get(CASES, {"q": case.id_number})["Location"]
    query = location.split("?", 1)[1]

    response = client.post(reverse("admin:cases_case_export") + "?" + query, {"format": "1"})

    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and case.id_number in lines[1]


def test_an_unknown_token_says_the_search_expired(client_for, kunshan_clerk, case):
    response = client_for(kunshan_clerk).get(CASES, {TOKEN_VAR: "nosuchtoken"})

    assert response.status_code == 200
    assert "该查询已过期，请重新查询。" in messages_of(response)


def test_a_new_search_replaces_the_token(client_for, kunshan_clerk, case):
    client = client_for(kunshan_clerk)
    location = client.get(CASES, {"q": case.id_number})["Location"]
    token = location.split(f"{TOKEN_VAR}=", 1)[1]

    response = client.get(CASES, {"q": case.name, TOKEN_VAR: token}, follow=True)

    assert found(response) == [case]
    assert TOKEN_VAR not in response.redirect_chain[-1][0]
