"""A one- or two-character search matches names by their start (an index serves it);
what it finds is exactly what the substring search found among those names, and every
name of up to two characters the substring search found."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from cases.selectors import cases_by_short_name
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

NAMES = ["王", "王芳", "芳", "王芳芳", "李王芳", "王五", "张三", "三张", "Li", "lin"]
QUERIES = ["王", "芳", "王芳", "张", "三", "李王", "li", "LI", "五"]


@pytest.fixture
def named(units):
    return [CaseFactory(unit=units["张浦镇工会"], name=name) for name in NAMES]


def substring(queryset, term) -> set[str]:
    # What the admin's search did before for a name: icontains.
    return set(queryset.filter(name__icontains=term).values_list("name", flat=True))


def admin_search(user, term) -> set[str]:
    model_admin = admin.site._registry[Case]
    request = RequestFactory().get("/", {"q": term})
    request.user = user
    found, _distinct = model_admin.get_search_results(
        request, model_admin.get_queryset(request), term
    )
    return set(found.values_list("name", flat=True))


@pytest.mark.parametrize("term", QUERIES)
def test_a_short_search_finds_what_the_substring_search_found_at_the_start(
    named, kunshan_clerk, term
):
    scope = Case.objects.for_user(kunshan_clerk)
    before = substring(scope, term)
    now = admin_search(kunshan_clerk, term)

    assert now == {name for name in before if name.upper().startswith(term.upper())}
    # Every name of up to two characters the substring search found, it finds; for a
    # two-character term those are all the names it found but the longer ones holding
    # the term after their first character.
    short = {name for name in before if len(name) <= 2}
    if len(term) == 2:
        assert short <= now
    assert now <= before


def test_the_names_left_out_are_the_ones_holding_the_term_further_in(named, kunshan_clerk):
    assert admin_search(kunshan_clerk, "王芳") == {"王芳", "王芳芳"}
    assert substring(Case.objects.for_user(kunshan_clerk), "王芳") == {"王芳", "王芳芳", "李王芳"}
    assert admin_search(kunshan_clerk, "芳") == {"芳"}


def test_a_short_search_stays_in_scope(named, units, wuzhong_clerk):
    CaseFactory(unit=units["吴中区总工会"], name="王芳")

    assert admin_search(wuzhong_clerk, "王芳") == {"王芳"}
    assert Case.objects.filter(name="王芳").count() == 2


def test_a_short_search_is_a_prefix_lookup_and_longer_ones_keep_the_substring(named):
    with CaptureQueriesContext(connection) as captured:
        list(cases_by_short_name(Case.objects.all(), "王芳"))
    sql = captured[-1]["sql"]
    assert "王芳%" in sql and "%王芳" not in sql

    assert cases_by_short_name(Case.objects.all(), "王芳芳") is None
    assert cases_by_short_name(Case.objects.all(), "王 芳") is None
    assert cases_by_short_name(Case.objects.all(), "  ") is None


def test_the_case_list_searches_short_names(named, client_for, kunshan_clerk):
    response = client_for(kunshan_clerk).get("/admin/cases/case/", {"q": "王芳"})

    assert response.status_code == 200
    assert {case.name for case in response.context["cl"].result_list} == {"王芳", "王芳芳"}
