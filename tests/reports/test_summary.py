"""The summary report's numbers, checked against the hand-computed world of conftest."""

from decimal import Decimal

from funds.models import Disbursement
from reports.selectors import summary


def rows(result):
    return {(r.unit, r.category): r for r in result.rows}


def test_by_unit_rolls_town_unions_up_and_counts_people_and_disbursements(world, city_auditor):
    result = summary(Disbursement.objects.for_user(city_auditor), "unit")

    by_unit = {r.unit: r for r in result.rows}
    kunshan, wuzhong = by_unit["昆山市总工会"], by_unit["吴中区总工会"]
    assert (kunshan.people, kunshan.disbursements) == (2, 3)
    assert (kunshan.cash, kunshan.goods, kunshan.total) == (
        Decimal("1300.00"),
        Decimal("350.00"),
        Decimal("1650.00"),
    )
    # The reversed 9,999 is not counted.
    assert (wuzhong.people, wuzhong.disbursements, wuzhong.cash) == (1, 2, Decimal("1700.50"))
    assert [r.unit for r in result.rows] == ["昆山市总工会", "吴中区总工会"]


def test_total_row_counts_distinct_people_across_groups(world, city_auditor):
    result = summary(Disbursement.objects.for_user(city_auditor), "unit,category")

    assert result.total.people == 3
    assert result.total.disbursements == 5
    assert result.total.total == Decimal("3350.50")
    assert result.table()[-1][:2] == ["合计", ""]


def test_by_category_splits_goods_and_cash(world, city_auditor):
    result = summary(Disbursement.objects.for_user(city_auditor), "category")

    by_category = {r.category: r for r in result.rows}
    assert by_category["困难劳模"].total == Decimal("1150.00")
    assert by_category["困难离退休职工"].people == 2
    assert by_category["困难离退休职工"].cash == Decimal("2200.50")


def test_district_user_sees_only_their_own_figures(world, kunshan_clerk):
    result = summary(Disbursement.objects.for_user(kunshan_clerk), "unit")

    assert [r.unit for r in result.rows] == ["昆山市总工会"]
    assert result.total.total == Decimal("1650.00")


def test_period_edges_are_inclusive(world, city_auditor, client_for):
    from reports.views import report_queryset

    filterset = report_queryset(city_auditor, {"date_from": "2007-01-25", "date_to": "2007-02-01"})
    result = summary(filterset.qs, "unit")

    by_unit = {r.unit: r for r in result.rows}
    assert by_unit["昆山市总工会"].cash == Decimal("500.00")
    assert by_unit["吴中区总工会"].cash == Decimal("200.50")
