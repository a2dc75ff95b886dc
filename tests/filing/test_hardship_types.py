"""困难类型 (FILING.md): 深度困难 below the 低保 line, 相对困难 below twice it, 意外致困 by
the event, the migrant-worker condition, and exclusions that block verification. The
rule row by row (Python) and as one SQL CASE give the same answer at every boundary."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.filing import hardship_type_expression, hardship_type_of
from cases.models import (
    Case,
    Category,
    ExclusionCondition,
    HardshipType,
    SubsistenceLine,
    SuddenEvent,
)
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

D = Decimal
LINE = D("1045.00")
ON = datetime.date(2026, 6, 1)


def _sql_type(case, line):
    return (
        Case.objects.filter(pk=case.pk)
        .annotate(t=hardship_type_expression(line=line, on=ON))
        .values_list("t", flat=True)
        .get()
    )


BOUNDARIES = [
    ("one fen under the line", {"monthly_income_per_capita": D("1044.99")}, HardshipType.DEEP),
    ("exactly at the line", {"monthly_income_per_capita": D("1045.00")}, HardshipType.RELATIVE),
    ("one fen under twice", {"monthly_income_per_capita": D("2089.99")}, HardshipType.RELATIVE),
    ("exactly twice the line", {"monthly_income_per_capita": D("2090.00")}, HardshipType.NONE),
    ("no figure", {"monthly_income_per_capita": None}, HardshipType.UNASSESSED),
    (
        "disaster, income high",
        {"monthly_income_per_capita": D("5000"), "sudden_event": SuddenEvent.DISASTER},
        HardshipType.SUDDEN,
    ),
    (
        "costs above 80% of the annual income",
        {
            "monthly_income_per_capita": D("5000"),
            "annual_household_income": D("60000"),
            "sudden_event": SuddenEvent.COSTLY,
            "sudden_costs": D("48000.01"),
        },
        HardshipType.SUDDEN,
    ),
    (
        "costs exactly 80% of the annual income",
        {
            "monthly_income_per_capita": D("5000"),
            "annual_household_income": D("60000"),
            "sudden_event": SuddenEvent.COSTLY,
            "sudden_costs": D("48000.00"),
        },
        HardshipType.NONE,
    ),
    (
        "migrant a year employed, living in the city",
        {
            "category": Category.MIGRANT,
            "monthly_income_per_capita": D("900"),
            "lives_in_city": True,
            "employed_since": datetime.date(2025, 6, 1),
        },
        HardshipType.DEEP,
    ),
    (
        "migrant a day short of a year",
        {
            "category": Category.MIGRANT,
            "monthly_income_per_capita": D("900"),
            "lives_in_city": True,
            "employed_since": datetime.date(2025, 6, 2),
        },
        HardshipType.NONE,
    ),
    (
        "migrant not living in the city",
        {
            "category": Category.MIGRANT,
            "monthly_income_per_capita": D("900"),
            "lives_in_city": False,
            "employed_since": datetime.date(2020, 1, 1),
        },
        HardshipType.NONE,
    ),
]


@pytest.mark.parametrize(
    ("facts", "expected"), [row[1:] for row in BOUNDARIES], ids=[row[0] for row in BOUNDARIES]
)
def test_each_type_at_its_boundary_in_python_and_in_sql(units, facts, expected):
    case = CaseFactory(unit=units["张浦镇工会"], **facts)

    assert hardship_type_of(case, line=LINE, on=ON) == expected
    assert _sql_type(case, LINE) == expected


def test_without_a_line_only_the_event_decides(units):
    plain = CaseFactory(unit=units["张浦镇工会"], monthly_income_per_capita=D("100"))
    hit = CaseFactory(
        unit=units["张浦镇工会"],
        monthly_income_per_capita=D("100"),
        sudden_event=SuddenEvent.DISASTER,
    )

    assert hardship_type_of(plain, line=None, on=ON) == _sql_type(plain, None) == ""
    assert hardship_type_of(hit, line=None, on=ON) == _sql_type(hit, None) == "sudden"


def test_evaluate_stores_the_type_under_the_districts_line(units, kunshan_head):
    SubsistenceLine.objects.create(
        unit=units["昆山市总工会"], monthly_amount=LINE, effective_on=datetime.date(2025, 7, 1)
    )
    case = CaseFactory(unit=units["张浦镇工会"], monthly_income_per_capita=D("1044.99"))

    case = services.case_evaluate(case=case, acting_user=kunshan_head)

    assert case.hardship_type == HardshipType.DEEP
    assert case.get_hardship_type_display() == "深度困难"


def test_a_ticked_exclusion_blocks_verification(units, kunshan_head, kunshan_pending_case):
    condition = ExclusionCondition.objects.get(text="家庭拥有两套及以上住房")
    kunshan_pending_case.exclusions.add(condition)

    with pytest.raises(ValidationError) as error:
        services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head)

    assert error.value.messages == [
        "这份档案勾选了排除性条件（家庭拥有两套及以上住房），不能审核通过。"
    ]
    kunshan_pending_case.exclusions.clear()
    assert services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head).status == (
        "verified"
    )


def test_a_units_own_checklist_replaces_the_defaults_below_it(units, wuzhong_head):
    defaults = set(ExclusionCondition.objects.filter(unit=None).values_list("pk", flat=True))
    own = services.exclusion_condition_save(
        condition=ExclusionCondition(unit=units["吴中区总工会"], text="家庭有两辆及以上机动车"),
        acting_user=wuzhong_head,
    )

    kunshan = ExclusionCondition.objects.applying_to(units["张浦镇工会"])
    wuzhong = ExclusionCondition.objects.applying_to(units["木渎镇工会"])

    assert len(defaults) == 4
    assert set(kunshan.values_list("pk", flat=True)) == defaults
    assert list(wuzhong.values_list("pk", flat=True)) == [own.pk]


def test_only_the_city_sets_the_defaults(units, wuzhong_head, city_admin):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as error:
        services.exclusion_condition_save(
            condition=ExclusionCondition(text="新条件"), acting_user=wuzhong_head
        )
    assert str(error.value) == "只有市总工会设定全市通用的排除性条件。"
    services.exclusion_condition_save(
        condition=ExclusionCondition(text="新条件"), acting_user=city_admin
    )


def test_the_list_shows_and_filters_by_type(units, kunshan_clerk, client_for):
    deep = CaseFactory(unit=units["张浦镇工会"], hardship_type=HardshipType.DEEP)
    CaseFactory(unit=units["张浦镇工会"], hardship_type=HardshipType.RELATIVE)
    client = client_for(kunshan_clerk)

    response = client.get("/admin/cases/case/?hardship_type__exact=deep")

    assert [c.pk for c in response.context["cl"].result_list] == [deep.pk]
    assert "深度困难" in response.content.decode()


def test_the_case_page_shows_the_type_with_its_terms(units, kunshan_clerk, client_for):
    SubsistenceLine.objects.create(
        unit=units["昆山市总工会"], monthly_amount=LINE, effective_on=timezone.localdate()
    )
    case = CaseFactory(
        unit=units["张浦镇工会"],
        monthly_income_per_capita=D("1044.99"),
        hardship_type=HardshipType.DEEP,
    )

    html = client_for(kunshan_clerk).get(f"/admin/cases/case/{case.pk}/change/").content.decode()

    assert "深度困难：家庭月人均收入 1,044.99 元，低保标准 1,045.00 元（昆山市总工会" in html
