"""The shared query-count check fails on a page that queries once per row, and passes
on the same page once it fetches the rows' parents up front."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from tests.query_counts import assert_constant_queries
from unions.models import UnionUnit, UnitLevel

pytestmark = pytest.mark.django_db


def _page(units) -> HttpResponse:
    items = "".join(f"<li>{unit.name} / {unit.parent.name}</li>" for unit in units)
    return HttpResponse(f"<ul>{items}</ul>")


def one_query_per_row(request):
    return _page(UnionUnit.objects.filter(parent__isnull=False).order_by("pk"))


def parents_up_front(request):
    return _page(UnionUnit.objects.filter(parent__isnull=False).select_related("parent"))


def missing(request):
    return HttpResponse("gone", status=404)


urlpatterns = [
    path("n-plus-one/", one_query_per_row),
    path("constant/", parents_up_front),
    path("missing/", missing),
]


@pytest.fixture
def make_rows(settings):
    settings.ROOT_URLCONF = __name__
    root = UnionUnit.objects.create(name="测试总工会", code="T0", level=UnitLevel.CITY)
    made = []

    def make(count):
        for _ in range(count):
            n = len(made)
            made.append(
                UnionUnit.objects.create(
                    name=f"测试基层{n}", code=f"T{n + 1}", level=UnitLevel.TOWN, parent=root
                )
            )

    return make


def rows_shown(response) -> int:
    return response.content.decode().count("<li>")


def test_the_check_fails_on_a_query_per_row(make_rows):
    with pytest.raises(AssertionError, match=r"^\d+ queries for 5 records, \d+ for 50$"):
        assert_constant_queries(Client(), "/n-plus-one/", make_rows, shown=rows_shown)


def test_the_check_passes_when_the_rows_cost_nothing_more(make_rows):
    measured = assert_constant_queries(Client(), "/constant/", make_rows, shown=rows_shown)

    assert rows_shown(measured.many) == 50


def test_the_check_fails_on_an_error_page(make_rows):
    with pytest.raises(AssertionError, match=r"^\(404, None\)$"):
        assert_constant_queries(Client(), "/missing/", make_rows, shown=rows_shown)


def test_the_check_fails_when_no_more_rows_are_shown(make_rows):
    with pytest.raises(AssertionError, match=r"^5 rows shown for 5 records, 5 for 50$"):
        assert_constant_queries(Client(), "/constant/", make_rows, shown=lambda response: 5)
