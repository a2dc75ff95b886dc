"""The case list's filters and the case form's widgets, as a clerk uses them."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus, Category, ReviewOutcome
from cases.services import review_record
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
THIS_YEAR = timezone.localdate().year


def listed(client, **params):
    response = client.get(CASES, params)
    assert response.status_code == 200
    return {case.name for case in response.context["cl"].result_list}


@pytest.fixture
def reviewed_cases(units, kunshan_clerk, wuzhong_clerk):
    def review(case, year, clerk=kunshan_clerk):
        # Through the service, which also stores the file's last review date the filter reads.
        review_record(
            case=case,
            reviewed_on=datetime.date(year, 1, 2),
            outcome=ReviewOutcome.CONTINUE,
            acting_user=clerk,
        )

    unit = units["张浦镇工会"]
    review(CaseFactory(unit=unit, name="今年已复核", verified=True), THIS_YEAR)
    review(CaseFactory(unit=unit, name="去年复核", verified=True), THIS_YEAR - 1)
    CaseFactory(unit=unit, name="从未复核")
    CaseFactory(unit=unit, name="已脱困", exited=True)
    review(CaseFactory(unit=units["木渎镇工会"], name="吴中今年已复核"), THIS_YEAR, wuzhong_clerk)


def test_reviewed_this_year_filter(kunshan_clerk, client_for, reviewed_cases):
    client = client_for(kunshan_clerk)

    assert listed(client, reviewed="yes") == {"今年已复核"}
    # Exited cases need no review, as in the city audit's finding.
    assert listed(client, reviewed="no") == {"去年复核", "从未复核"}


def test_household_size_filter_buckets(kunshan_clerk, client_for, units):
    for size in (1, 2, 4, 5, 8):
        CaseFactory(unit=units["陆家镇工会"], name=f"{size}口之家", household_size=size)
    client = client_for(kunshan_clerk)

    assert listed(client, household="1") == {"1口之家"}
    assert listed(client, household="4") == {"4口之家"}
    assert listed(client, household="3") == set()
    assert listed(client, household="5+") == {"5口之家", "8口之家"}


def test_filters_combine_with_scope_and_the_date_hierarchy(kunshan_clerk, client_for, units):
    CaseFactory(unit=units["巴城镇工会"], name="昆山2006", registered_on=datetime.date(2006, 3, 1))
    CaseFactory(unit=units["巴城镇工会"], name="昆山2007", registered_on=datetime.date(2007, 3, 1))
    CaseFactory(unit=units["木渎镇工会"], name="吴中2007", registered_on=datetime.date(2007, 3, 1))

    names = listed(client_for(kunshan_clerk), registered_on__year="2007", household="3")

    assert names == {"昆山2007"}


def test_select_across_applies_an_action_to_the_whole_filtered_list(
    kunshan_head, client_for, units
):
    for i in range(3):
        CaseFactory(unit=units["张浦镇工会"], name=f"三口{i}", household_size=3)
    single = CaseFactory(unit=units["张浦镇工会"], name="独居", household_size=1)
    wuzhong = CaseFactory(unit=units["木渎镇工会"], household_size=3)
    ticked = CaseFactory(unit=units["张浦镇工会"], household_size=3)

    client_for(kunshan_head).post(
        CASES + "?household=3",
        {"action": "verify_cases", "select_across": "1", "_selected_action": [ticked.pk]},
    )

    verified = set(Case.objects.filter(status=CaseStatus.VERIFIED).values_list("pk", flat=True))
    three_person = Case.objects.filter(name__startswith="三口").values_list("pk", flat=True)
    assert verified == {*three_person, ticked.pk}
    assert single.pk not in verified and wuzhong.pk not in verified


def test_case_form_offers_check_boxes_for_extra_categories_and_causes(kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(CASES + "add/")

    html = response.content.decode()
    form = response.context["adminform"].form
    assert 'type="checkbox" name="extra_categories"' in html
    assert 'type="checkbox" name="causes"' in html
    assert "status" not in form.fields
    assert not {"certificate_number", "certificate_valid_from"} & set(form.fields)
    assert form.initial["unit"] == kunshan_clerk.memberships.get().unit_id


def test_clerk_edits_a_case_without_touching_its_status(kunshan_clerk, client_for, units):
    case = CaseFactory(unit=units["张浦镇工会"], verified=True)
    url = f"{CASES}{case.pk}/change/"
    client = client_for(kunshan_clerk)
    page = client.get(url)
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})

    response = client.post(
        url,
        {
            **data,
            "extra_categories": [Category.MODEL_WORKER, Category.SUBSISTENCE],
            "household_size": "4",
            "status": CaseStatus.LONG_TERM,  # not on the form: ignored
            "certificate_number": "伪造",
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.household_size == 4
    assert case.extra_categories == [Category.MODEL_WORKER, Category.SUBSISTENCE]
    assert case.status == CaseStatus.VERIFIED
    assert case.certificate_number == ""


def test_the_benchmark_finds_the_not_reviewed_filter(kunshan_clerk, rf):
    """bench.run looks the filter up by its words; keep them findable."""
    from django.contrib import admin

    from bench.run import not_reviewed_query

    request = rf.get(CASES)
    request.user = kunshan_clerk

    assert not_reviewed_query(admin.site._registry[Case], request) == "reviewed=no"


def test_date_drill_down_by_year_month_and_day(kunshan_clerk, client_for, units):
    CaseFactory(unit=units["张浦镇工会"], name="早", registered_on=datetime.date(2006, 11, 3))
    CaseFactory(unit=units["张浦镇工会"], name="晚", registered_on=datetime.date(2007, 2, 14))
    client = client_for(kunshan_clerk)

    years = client.get(CASES).context["registered_hierarchy"]["choices"]
    months = client.get(CASES, {"registered_on__year": "2007"}).context["registered_hierarchy"]
    days = client.get(CASES, {"registered_on__year": "2007", "registered_on__month": "2"})

    assert [choice["title"] for choice in years] == ["2006", "2007"]
    assert len(months["choices"]) == 12
    assert "registered_on__month=2" in months["choices"][1]["link"]
    assert len(days.context["registered_hierarchy"]["choices"]) == 28
    assert {case.name for case in days.context["cl"].result_list} == {"晚"}
    assert 'class="toplinks"' in days.content.decode()


def test_date_drill_down_does_not_scan_the_list(kunshan_clerk, client_for, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CaseFactory(unit=units["张浦镇工会"])
    client = client_for(kunshan_clerk)

    with CaptureQueriesContext(connection) as captured:
        client.get(CASES)

    sql = [query["sql"].upper() for query in captured]
    # The years come from the stored counts per unit and year (cases.registration_years),
    # never from the files: no DISTINCT, MIN/MAX or date scan over cases_case.
    on_files = [q for q in sql if 'FROM "CASES_CASE"' in q]
    assert not [q for q in on_files if "DISTINCT" in q or "MIN(" in q or "MAX(" in q]
    assert not [q for q in on_files if q.startswith('SELECT "CASES_CASE"."REGISTERED_ON"')]
    assert len([q for q in sql if 'FROM "CASES_REGISTRATIONYEAR"' in q]) == 1


def test_date_drill_down_offers_only_years_in_the_users_scope(kunshan_clerk, client_for, units):
    for year in (2003, 2006, 2006):
        CaseFactory(unit=units["张浦镇工会"], registered_on=datetime.date(year, 11, 3))
    CaseFactory(unit=units["吴中区总工会"], registered_on=datetime.date(1971, 5, 1))
    CaseFactory(unit=units["木渎镇工会"], registered_on=datetime.date(2004, 5, 1))

    years = client_for(kunshan_clerk).get(CASES).context["registered_hierarchy"]["choices"]

    # 2004 and 2005 hold no file of Kunshan's: not offered (the Wuzhong files neither).
    assert [choice["title"] for choice in years] == ["2003", "2006"]


def test_the_year_strip_follows_every_write_of_a_file(kunshan_clerk, client_for, units):
    from django.db.models import QuerySet

    from cases import registration_years
    from funds import aggregates

    def strip() -> list[str]:
        page = client_for(kunshan_clerk).get(CASES)
        return [choice["title"] for choice in page.context["registered_hierarchy"]["choices"]]

    first = CaseFactory(unit=units["张浦镇工会"], registered_on=datetime.date(2003, 1, 1))
    second = CaseFactory(unit=units["陆家镇工会"], registered_on=datetime.date(2005, 1, 1))
    assert strip() == ["2003", "2005"]

    # Set-based writes that bypass save(): a corrected date, a move out of the district.
    QuerySet(Case).filter(pk=first.pk).update(registered_on=datetime.date(2004, 6, 1))
    assert strip() == ["2004", "2005"]
    QuerySet(Case).filter(pk=second.pk).update(unit=units["木渎镇工会"])
    assert strip() == ["2004"]
    QuerySet(Case).filter(pk=first.pk).delete()
    assert strip() == []

    table = registration_years.TABLE
    assert [d for d in aggregates.differences() if d.table == table] == []
    # A planted difference is found and rebuilt.
    QuerySet(Case).filter(pk=second.pk).update(registered_on=datetime.date(2009, 1, 1))
    connection_cursor_update(f"UPDATE {table} SET cases = 5")
    assert [d for d in aggregates.differences() if d.table == table] != []
    aggregates.rebuild()
    assert [d for d in aggregates.differences() if d.table == table] == []


def connection_cursor_update(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_annual_review_list_is_read_only_scoped_and_filtered_by_year(
    kunshan_clerk, client_for, reviewed_cases
):
    client = client_for(kunshan_clerk)

    this_year = client.get("/admin/cases/annualreview/", {"year": str(THIS_YEAR)})
    every_year = client.get("/admin/cases/annualreview/")

    assert {r.case.name for r in this_year.context["cl"].result_list} == {"今年已复核"}
    assert {r.case.name for r in every_year.context["cl"].result_list} == {
        "今年已复核",
        "去年复核",
    }
    assert every_year.context["has_add_permission"] is False
    assert client.get("/admin/cases/annualreview/add/").status_code == 403
