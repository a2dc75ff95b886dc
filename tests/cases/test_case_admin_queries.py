"""The register's lists cost the same number of queries for 5 rows as for 200, and the
case list never counts the whole register."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adminkit.paginator import CappedCountPaginator
from cases.models import Activity, Case, Cause, Referral
from tests.cases.factories import ActivityFactory, CampaignFactory, CaseFactory
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

TOWNS = ["张浦镇工会", "陆家镇工会", "巴城镇工会"]


def make_cases(units, count, **fields) -> list[Case]:
    """``count`` cases across three Kunshan towns, each with two causes, in bulk."""
    cases = [CaseFactory.build(unit=units[TOWNS[i % 3]], **fields) for i in range(count)]
    for case in cases:
        case.derive_from_id_number()  # what save() does; bulk_create skips it
    cases = Case.objects.bulk_create(cases)
    through = Case.causes.through
    through.objects.bulk_create(
        through(case_id=case.pk, cause_id=cause.pk)
        for case in cases
        for cause in Cause.objects.all()[:2]
    )
    return cases


# --- the case list ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["kunshan_clerk", "city_auditor"])
@pytest.mark.parametrize("query", ["", "?status__exact=pending&household=3", "?q=困难职工"])
def test_case_list_query_count_does_not_grow_with_the_list(
    request, client_for, units, role, query
):
    client = client_for(request.getfixturevalue(role))

    response = assert_constant_queries(
        client, "/admin/cases/case/" + query, lambda n: make_cases(units, n), many=200
    ).many

    assert len(response.context["cl"].result_list) == 50


def test_case_autocomplete_query_count_does_not_grow(kunshan_clerk, client_for, units):
    url = "/admin/autocomplete/?app_label=cases&model_name=activity&field_name=cases&term=困难职工"

    response = assert_constant_queries(
        client_for(kunshan_clerk),
        url,
        lambda n: make_cases(units, n),
        shown=lambda response: len(response.json()["results"]),
        many=200,
        content_type="application/json",
    ).many

    assert len(response.json()["results"]) == 20


# --- activities and referrals -------------------------------------------------------------


def test_activity_list_query_count_does_not_grow(kunshan_clerk, client_for, units):
    campaign = CampaignFactory(organiser=units["昆山市总工会"])
    households = make_cases(units, 3)

    def add_activities(count):
        activities = Activity.objects.bulk_create(
            ActivityFactory.build(campaign=campaign, unit=units[TOWNS[i % 3]])
            for i in range(count)
        )
        through = Activity.cases.through
        through.objects.bulk_create(
            through(activity_id=activity.pk, case_id=case.pk)
            for i, activity in enumerate(activities)
            for case in households[: i % 4]
        )

    response = assert_constant_queries(
        client_for(kunshan_clerk), "/admin/cases/activity/", add_activities, many=200
    ).many

    listed = response.context["cl"].result_list
    assert len(listed) == 50
    assert {activity.household_count for activity in listed} == {0, 1, 2, 3}


@pytest.mark.parametrize("role", ["kunshan_head", "city_admin"])
def test_referral_list_query_count_does_not_grow(request, client_for, units, kunshan_head, role):
    def refer(count):
        Referral.objects.bulk_create(
            Referral(case=case, reason="重病", submitted_by=kunshan_head)
            for case in make_cases(units, count, verified=True)
        )

    response = assert_constant_queries(
        client_for(request.getfixturevalue(role)), "/admin/cases/referral/", refer, many=200
    ).many

    assert len(response.context["cl"].result_list) == 50
    assert Referral.objects.count() == 200


# --- counting -----------------------------------------------------------------------------


def test_case_list_counts_at_most_one_row_past_the_cap(
    kunshan_clerk, client_for, units, monkeypatch
):
    monkeypatch.setattr(CappedCountPaginator, "limit", 3)
    monkeypatch.setattr(admin.site._registry[Case], "list_per_page", 3)
    make_cases(units, 8)
    client = client_for(kunshan_clerk)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/cases/case/?p=2")

    cl = response.context["cl"]
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts)
    assert cl.paginator.count_label == "3+"
    assert '<span class="result-count">3+</span>' in response.content.decode()
    assert cl.full_result_count is None
    # Page 2 holds rows 4-6: the page is not cut short at the capped count (4).
    assert len(cl.result_list) == 3


def test_case_list_count_is_exact_below_the_cap(kunshan_clerk, client_for, units):
    make_cases(units, 7)

    response = client_for(kunshan_clerk).get("/admin/cases/case/")

    assert response.context["cl"].result_count == 7
    assert '<span class="result-count">7</span>' in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner estimates: PostgreSQL")
def test_unfiltered_list_uses_the_planner_estimate_on_postgresql(admin_client, units, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "limit", 3)
    make_cases(units, 8)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Case._meta.db_table}")

    response = admin_client.get("/admin/cases/case/")

    paginator = response.context["cl"].paginator
    assert paginator.is_estimate
    assert paginator.count == 8


def test_the_search_box_can_use_the_trigram_indexes_on_postgresql():
    """The admin's substring search (icontains) must match the indexes' expression."""
    from django.db import connection

    from cases.models import Case

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes: PostgreSQL")
    with connection.cursor() as cursor:
        # A test table is tiny: leave the planner only bitmap scans, the kind a GIN
        # index offers, so the plan shows whether the index fits the expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    for field, index in (
        ("name", "case_name_trgm"),
        ("phone", "case_phone_trgm"),
        ("id_number", "case_id_number_trgm"),
    ):
        plan = Case.objects.filter(**{f"{field}__icontains": "顾小妹"}).order_by().explain()
        assert index in plan, plan
