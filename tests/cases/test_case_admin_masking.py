"""Resident ID numbers in the admin: in full with cases.view_full_id_number (clerks,
approvers, the city administrator), starred for everyone else (the city auditor)."""

import datetime
import random

import pytest

from cases.idnumbers import mask_id_number, random_id_number
from tests.cases.factories import CaseFactory, HouseholdMemberFactory

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
BIRTH = datetime.date(1968, 3, 27)
BIRTH_DIGITS = "19680327"


@pytest.fixture
def case(units):
    rng = random.Random(11)
    case = CaseFactory(
        unit=units["张浦镇工会"], id_number=random_id_number(rng, "320583", BIRTH, "M")
    )
    HouseholdMemberFactory(case=case, name="孩子", id_number=random_id_number(rng, "320583"))
    return case


def member_id(case):
    return case.members.get().id_number


def html_of(response):
    assert response.status_code == 200
    return response.content.decode()


# --- the list -----------------------------------------------------------------------------


def test_auditor_sees_masked_id_numbers_in_the_list(city_auditor, client_for, case):
    html = html_of(client_for(city_auditor).get(CASES))

    assert case.masked_id_number in html
    assert case.masked_id_number.startswith("320583********")
    assert case.id_number not in html


def test_clerk_sees_full_id_numbers_in_the_list(kunshan_clerk, client_for, case):
    html = html_of(client_for(kunshan_clerk).get(CASES))

    assert case.id_number in html


# --- the change page and the household ----------------------------------------------------


def test_auditor_sees_masked_ids_and_no_birth_date_on_the_change_page(
    city_auditor, client_for, case
):
    response = client_for(city_auditor).get(f"{CASES}{case.pk}/change/")

    html = html_of(response)
    assert case.masked_id_number in html
    assert mask_id_number(member_id(case)) in html
    assert case.id_number not in html
    assert member_id(case) not in html
    # The birth date is the starred part of the number: it is not shown either.
    assert "birth_date" not in html
    assert BIRTH_DIGITS not in html


def test_clerk_sees_and_edits_full_ids_on_the_change_page(kunshan_clerk, client_for, case):
    response = client_for(kunshan_clerk).get(f"{CASES}{case.pk}/change/")

    html = html_of(response)
    assert response.context["adminform"].form["id_number"].value() == case.id_number
    assert member_id(case) in html
    assert "field-birth_date" in html


def test_city_administrator_sees_full_ids_read_only(city_admin, client_for, case):
    response = client_for(city_admin).get(f"{CASES}{case.pk}/change/")

    html = html_of(response)
    assert case.id_number in html
    assert member_id(case) in html
    assert response.context["has_change_permission"] is False


# --- history ------------------------------------------------------------------------------


@pytest.fixture
def corrected_case(case, kunshan_clerk):
    """A typo in the ID number, corrected later: both numbers are in the history."""
    old_id = case.id_number
    case.id_number = random_id_number(random.Random(12), "320583", datetime.date(1968, 3, 28))
    case._history_user = kunshan_clerk
    case.save()
    return case, old_id


def test_auditor_sees_no_full_id_in_the_history_list(city_auditor, client_for, corrected_case):
    case, old_id = corrected_case

    html = html_of(client_for(city_auditor).get(f"{CASES}{case.pk}/history/"))

    assert mask_id_number(old_id) in html and case.masked_id_number in html
    assert old_id not in html
    assert case.id_number not in html
    assert BIRTH_DIGITS not in html and "1968-03-28" not in html


def test_clerk_sees_the_corrected_numbers_in_the_history_list(
    kunshan_clerk, client_for, corrected_case
):
    case, old_id = corrected_case

    html = html_of(client_for(kunshan_clerk).get(f"{CASES}{case.pk}/history/"))

    assert old_id in html and case.id_number in html


def test_auditor_sees_no_full_id_on_a_past_version_page(city_auditor, client_for, corrected_case):
    case, old_id = corrected_case
    first = case.history.order_by("history_date").first().history_id

    html = html_of(client_for(city_auditor).get(f"{CASES}{case.pk}/history/{first}/"))

    assert mask_id_number(old_id) in html
    assert old_id not in html
    assert member_id(case) not in html
    assert BIRTH_DIGITS not in html


def test_clerk_sees_the_full_old_number_on_a_past_version_page(
    kunshan_clerk, client_for, corrected_case
):
    case, old_id = corrected_case
    first = case.history.order_by("history_date").first().history_id

    html = html_of(client_for(kunshan_clerk).get(f"{CASES}{case.pk}/history/{first}/"))

    assert old_id in html


# --- search and lookups --------------------------------------------------------------------


def test_auditor_finds_a_case_only_by_the_whole_id_number(city_auditor, client_for, case):
    client = client_for(city_auditor)

    def found(term):
        # An ID search redirects to its token (cases.idsearch); follow it.
        return list(client.get(CASES, {"q": term}, follow=True).context["cl"].result_list)

    assert found(case.id_number[:10]) == []
    assert found(case.id_number[-8:]) == []
    assert found(case.id_number) == [case]
    assert found(case.id_number.lower()) == [case]


def test_clerk_finds_a_case_by_part_of_the_id_number(kunshan_clerk, client_for, case):
    response = client_for(kunshan_clerk).get(CASES, {"q": case.id_number[:10]})

    assert list(response.context["cl"].result_list) == [case]


def test_whole_id_number_of_a_household_member_finds_the_household(city_auditor, client_for, case):
    response = client_for(city_auditor).get(CASES, {"q": member_id(case)}, follow=True)

    assert list(response.context["cl"].result_list) == [case]


@pytest.mark.parametrize(
    "lookup",
    [
        {"id_number__startswith": "3205"},
        {"id_number": "x"},
        {"birth_date__year": "1968"},
        {"members__id_number__startswith": "3205"},
    ],
)
@pytest.mark.parametrize("role", ["city_auditor", "kunshan_clerk"])
def test_lookups_on_personal_fields_are_refused(request, client_for, case, role, lookup):
    user = request.getfixturevalue(role)

    response = client_for(user).get(CASES, lookup)

    assert response.status_code == 400


def test_id_lookups_through_other_lists_are_refused(city_auditor, client_for, case):
    client = client_for(city_auditor)

    lookups = {
        "/admin/cases/referral/": "case__id_number__startswith",
        "/admin/cases/annualreview/": "case__id_number__startswith",
        "/admin/cases/activity/": "cases__id_number__startswith",
    }

    for url, lookup in lookups.items():
        assert client.get(url, {lookup: "3205"}).status_code == 400
