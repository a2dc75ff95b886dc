"""档案转接 changes no report: past aid keeps its paying unit, so the city summary (every
grouping, from the raw rows, the maintained aggregates and the summary page) reads the
same before and after a file moves, and ``rebuild_aggregates --check`` finds nothing."""

import datetime
import io

import pytest
from django.core.management import call_command

from cases.transfers import case_move, transfer_accept, transfer_start
from funds.models import (
    Disbursement,
    DisbursementCaseYear,
    DisbursementDay,
    DisbursementPersonUnit,
    DisbursementUnitTotal,
    DisbursementUnitYear,
)
from reports.selectors import GROUPINGS, aggregate_summary, breakdown_summary, summary
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db

SUMMARY = "/admin/reports/summary/"


def run_rebuild_check():
    out = io.StringIO()
    try:
        call_command("rebuild_aggregates", "--check", stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def reports(client, users):
    """Every reading of the summary a report page or file makes, for each viewer."""
    seen = {}
    for by in GROUPINGS:
        seen[("raw", by)] = summary(Disbursement.objects.all(), by).table()
        seen[("stored", by)] = aggregate_summary(DisbursementCaseYear.objects.all(), by).table()
        for params in ({"by": by}, {"by": by, "date_from": "2007-01-01", "date_to": "2007-12-31"}):
            page = client.get(SUMMARY, params)
            assert page.status_code == 200
            seen[("page", by, len(params))] = page.context["table"]
    for user in users:
        for by in GROUPINGS:
            found = breakdown_summary(user, by=by)
            seen[("tree", user.username, by)] = found.table() if found else None
        seen[("scoped", user.username)] = summary(Disbursement.objects.for_user(user)).table()
    seen["person rows"] = sorted(
        DisbursementPersonUnit.objects.values_list(
            "case_id", "unit_id", "own", "year", "category", "hardship_type", "count"
        )
    )
    seen["unit rows"] = sorted(
        DisbursementUnitTotal.objects.values_list("unit_id", "own", "people", "cash_fen")
    )
    seen["breakdown rows"] = sorted(
        DisbursementUnitYear.objects.values_list(
            "unit_id", "own", "year", "category", "hardship_type", "people", "cash_fen"
        )
    )
    seen["day rows"] = sorted(
        DisbursementDay.objects.values_list("paying_unit_id", "day", "count")
    )
    return seen


def test_the_city_summary_is_the_same_before_and_after_transfers(
    kunshan_case,
    wuzhong_case,
    kunshan_fund,
    wuzhong_fund,
    units,
    client_for,
    kunshan_head,
    wuzhong_head,
    city_auditor,
    city_admin,
):
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_head)
    pay_cash(
        case=kunshan_case,
        fund=kunshan_fund,
        amount="300",
        acting_user=kunshan_head,
        disbursed_on=datetime.date(2008, 1, 20),
    )
    pay_cash(case=wuzhong_case, fund=wuzhong_fund, amount="500", acting_user=wuzhong_head)
    client = client_for(city_auditor)
    viewers = [city_auditor, kunshan_head, wuzhong_head]
    before = reports(client, viewers)
    assert before[("raw", "unit")][0][0] == "昆山市总工会"

    transfer = transfer_start(
        case=kunshan_case, to_unit=units["木渎镇工会"], reason="工作调动", acting_user=kunshan_head
    )
    assert reports(client, viewers) == before
    transfer_accept(transfer=transfer, acting_user=wuzhong_head)
    assert reports(client, viewers) == before
    case_move(
        case=wuzhong_case, to_unit=units["金阊区总工会"], reason="单位合并", acting_user=city_admin
    )
    assert reports(client, viewers) == before
    assert run_rebuild_check() == (0, "0 differences\n")

    # 昆山's aid to the person stays 昆山's; 吴中 pays the file it now holds.
    assert Disbursement.objects.for_user(kunshan_head).filter(case=kunshan_case).count() == 2
    pay_cash(case=kunshan_case, fund=wuzhong_fund, amount="200", acting_user=wuzhong_head)
    assert run_rebuild_check() == (0, "0 differences\n")
    after = reports(client, viewers)
    assert after[("tree", "kunshan_head", "unit")] == before[("tree", "kunshan_head", "unit")]
    assert after[("tree", "wuzhong_head", "unit")] != before[("tree", "wuzhong_head", "unit")]
