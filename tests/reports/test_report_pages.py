"""Page, xlsx download and CLI give the same numbers; the audit is for city roles only."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook


@pytest.fixture
def summary_url():
    return reverse("admin:reports_summary")


def test_page_xlsx_and_cli_agree(world, city_auditor, client_for, summary_url):
    client = client_for(city_auditor)
    params = {"by": "unit", "date_from": "2007-01-01", "date_to": "2007-02-28"}

    page = client.get(summary_url, params)
    download = client.get(summary_url, {**params, "format": "xlsx"})
    out = io.StringIO()
    call_command(
        "reliefreport", "--as", "city_auditor", "--from", "2007-01-01", "--to", "2007-02-28",
        "--by", "unit", stdout=out,
    )  # fmt: skip

    page_rows = page.context["table"]
    sheet = load_workbook(io.BytesIO(download.content)).active
    xlsx_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    # A title, the filters and the date it was made, a blank row, then the table.
    assert xlsx_rows[0][0] == "帮扶统计" and xlsx_rows[1][0].startswith("筛选条件：")
    assert "起始日期：2007-01-01" in xlsx_rows[1][0]
    assert all(cell is None for cell in xlsx_rows[3])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    # Money columns wide enough for "3,350.50" (no "###"), the header's width at least.
    assert all(widths[letter] >= len("3,350.50") + 2 for letter in "DEF"), widths
    assert widths["E"] >= 2 * len("物资折价（元）"), widths
    xlsx_rows = xlsx_rows[4:]
    cli_rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert cli_rows[0] == ["单位", "人数", "人次", "现金（元）", "物资折价（元）", "合计（元）"]
    assert xlsx_rows[0] == cli_rows[0]
    assert cli_rows[-1] == ["合计", "3", "5", "3000.50", "350.00", "3350.50"]
    for page_row, xlsx_row, cli_row in zip(page_rows, xlsx_rows[1:], cli_rows[1:], strict=True):
        assert [str(c) for c in page_row] == cli_row
        money_from = len(cli_row) - 3
        assert [
            f"{Decimal(str(c)):.2f}" if i >= money_from else str(c) for i, c in enumerate(xlsx_row)
        ] == cli_row


def test_page_shows_charts_and_filters_from_the_users_scope(
    world, kunshan_clerk, client_for, summary_url
):
    response = client_for(kunshan_clerk).get(summary_url, {"by": "unit,category"})

    html = response.content.decode()
    assert 'id="unit-chart"' in html and 'id="category-chart"' in html
    assert "吴中区总工会" not in html
    unit_choices = {str(u) for u in response.context["filter"].form.fields["unit"].queryset}
    assert unit_choices == {"昆山市总工会", "张浦镇工会", "陆家镇工会", "巴城镇工会"}


def test_filtering_by_a_unit_outside_scope_is_refused(world, kunshan_clerk, client_for,
                                                       units, summary_url):  # fmt: skip
    response = client_for(kunshan_clerk).get(summary_url, {"unit": units["吴中区总工会"].pk})

    assert response.context["summary"].total.disbursements == 0
    assert "unit" in response.context["filter"].errors


@pytest.mark.parametrize("username", ["kunshan_clerk", "kunshan_head", "wuzhong_head"])
def test_district_users_cannot_open_the_city_audit(username, units, client_for):
    from unions.models import User

    response = client_for(User.objects.get(username=username)).get(reverse("admin:reports_audit"))

    assert response.status_code == 403


def test_city_auditor_opens_the_audit_with_counts_per_district(world, city_auditor, client_for):
    response = client_for(city_auditor).get(reverse("admin:reports_audit"), {"rule": "receipts"})

    assert response.status_code == 200
    assert "audit-counts" in response.content.decode()


def test_cli_refuses_an_unknown_user(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("reliefreport", "--as", "nobody")

    assert exit_info.value.code == 2


def test_an_empty_report_says_there_is_nothing_to_show(client_for, city_auditor):
    page = client_for(city_auditor).get(
        reverse("admin:reports_summary"), {"date_from": "1990-01-01", "date_to": "1990-01-31"}
    )
    html = page.content.decode()

    assert 'id="empty-report"' in html and "无可显示的内容" in html
    assert 'id="unit-chart"' not in html and 'id="category-chart"' not in html
