"""困难类型 in the reports (beside 困难类别) and the audit rule for files on the register
that no longer meet any type (FILING.md)."""

from decimal import Decimal

from cases.models import Case, HardshipType
from cases.signals import cases_reclassified
from funds.models import Disbursement
from reports import audit
from reports.selectors import report_summary, summary
from reports.views import report_queryset
from tests.cases.factories import CaseFactory


def test_summary_by_hardship_type_from_raw_rows_and_aggregates(world, city_auditor):
    Case.objects.filter(category="model_worker").update(hardship_type=HardshipType.DEEP)
    Case.objects.filter(category="retiree").update(hardship_type=HardshipType.RELATIVE)
    # A write without save() says so, as the case sheet and the re-evaluation do: the
    # stored breakdown of 人数 follows the new types.
    cases_reclassified.send(sender=Case, case_ids=None)

    raw = summary(Disbursement.objects.for_user(city_auditor), "type")
    kept = report_summary(report_queryset(city_auditor, {}), "unit,type")

    by_type = {r.hardship_type: r for r in raw.rows}
    assert by_type["深度困难"].total == Decimal("1150.00")
    assert by_type["相对困难"].people == 2
    assert raw.headers()[0] == "困难类型"
    assert raw.table()[-1][0] == "合计"
    cells = {(r.unit, r.hardship_type): r.total for r in kept.rows}
    assert cells[("昆山市总工会", "深度困难")] == Decimal("1150.00")
    assert cells[("吴中区总工会", "相对困难")] == Decimal("1700.50")


def test_summary_page_offers_the_grouping(world, city_auditor, client_for):
    html = client_for(city_auditor).get("/admin/reports/summary/?by=unit,type").content.decode()

    assert "按单位和困难类型" in html
    assert "困难类型" in html


def test_audit_lists_verified_files_meeting_no_type(units, city_auditor, kunshan_clerk):
    flagged = CaseFactory(
        unit=units["张浦镇工会"],
        verified=True,
        hardship_type=HardshipType.NONE,
        name="超标户",
        monthly_income_per_capita=Decimal("3000"),
    )
    CaseFactory(unit=units["张浦镇工会"], hardship_type=HardshipType.NONE)  # pending
    CaseFactory(unit=units["张浦镇工会"], verified=True, hardship_type=HardshipType.DEEP)

    found = audit.findings(audit.RULES_BY_CODE["no_type"], city_auditor)

    assert [f.summary for f in found] == [
        "超标户 在档，但已不符合任何困难类型（家庭月人均收入 3,000.00 元）。"
    ]
    assert found[0].url.endswith(f"/{flagged.pk}/change/")
    assert audit.counts(audit.RULES_BY_CODE["no_type"], kunshan_clerk) == {
        units["昆山市总工会"].tree_path: 1
    }
