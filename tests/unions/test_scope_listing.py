"""Within a web request the units in scope are listed once (unions.querysets.unit_keys_for):
the same rows as the subquery, one query for the whole page, and never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from unions import querysets
from unions.models import Membership, UnionUnit
from unions.querysets import scope_listing, unit_keys_for


def test_a_listed_scope_finds_the_same_rows_as_the_subquery(kunshan_clerk, kunshan_case,
                                                            wuzhong_case):  # fmt: skip
    outside = set(Case.objects.for_user(kunshan_clerk))
    with scope_listing():
        assert isinstance(unit_keys_for(kunshan_clerk), list)
        inside = set(Case.objects.for_user(kunshan_clerk))

    assert inside == outside == {kunshan_case}


def test_the_scope_is_listed_once_for_every_read_of_a_request(kunshan_clerk, kunshan_case):
    with scope_listing():
        Case.objects.for_user(kunshan_clerk).count()
        with CaptureQueriesContext(connection) as later:
            Case.objects.for_user(kunshan_clerk).count()
            UnionUnit.objects.for_user(kunshan_clerk).count()

    assert len(later) == 2, [q["sql"] for q in later]
    # The subquery of the scope reads the memberships; the listed keys do not.
    assert all("unions_membership" not in q["sql"] for q in later)


def test_a_membership_given_mid_request_is_seen_by_the_next_read(kunshan_clerk, units,
                                                                 wuzhong_case):  # fmt: skip
    with scope_listing():
        assert not Case.objects.for_user(kunshan_clerk).exists()
        Membership.objects.create(
            user=kunshan_clerk,
            unit=units["吴中区总工会"],
            role=Membership.objects.get(user=kunshan_clerk).role,
        )

        assert list(Case.objects.for_user(kunshan_clerk)) == [wuzhong_case]


def test_a_scope_longer_than_the_limit_stays_a_subquery(monkeypatch, city_auditor, units,
                                                        kunshan_case, wuzhong_case):  # fmt: skip
    monkeypatch.setattr(querysets, "LISTED_SCOPE_LIMIT", 3)
    with scope_listing():
        keys = unit_keys_for(city_auditor)
        rows = set(Case.objects.for_user(city_auditor))

    assert not isinstance(keys, list)
    assert rows == {kunshan_case, wuzhong_case}


def test_outside_a_request_nothing_is_kept(kunshan_clerk, units, wuzhong_case):
    assert not isinstance(unit_keys_for(kunshan_clerk), list)
    assert not Case.objects.for_user(kunshan_clerk).exists()
    Membership.objects.filter(user=kunshan_clerk).update(unit=units["吴中区总工会"])

    assert list(Case.objects.for_user(kunshan_clerk)) == [wuzhong_case]


@pytest.mark.parametrize("username", ["kunshan_clerk", "wuzhong_clerk"])
def test_pages_list_the_scope_once(request, client_for, username, kunshan_case, wuzhong_case):
    client = client_for(request.getfixturevalue(username))
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("admin:cases_case_changelist"))

    listings = [q for q in page if 'FROM "unions_unionunit" WHERE EXISTS' in q["sql"]]
    assert response.status_code == 200
    assert len(listings) == 1, [q["sql"] for q in listings]
    expected = kunshan_case if username == "kunshan_clerk" else wuzhong_case
    assert list(response.context["cl"].result_list) == [expected]
