"""Issue 14 part 8: money in the summary's table and on its chart's labels as on every
other page: thousands separators and two places (3,350.50, never 3350.50)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_summary_page_and_its_chart_write_money_with_separators(
    world, city_auditor, client_for
):
    html = client_for(city_auditor).get(reverse("admin:reports_summary"), {"by": "unit"})
    text = html.content.decode()

    table = text.split('id="report-table"', 1)[1].split("</table>", 1)[0]
    chart = text.split('id="unit-chart"', 1)[1].split("</svg>", 1)[0]
    assert "3,350.50" in table and "1,700.50" in table
    assert "1,700.50" in chart
    # no amount of four digits or more without its separator, in the table or the chart
    assert not re.search(r"(?<![\d,.])\d{4,}\.\d\d\b", table + chart)


def test_the_summary_xlsx_says_which_campaign_it_was_made_for(world, city_auditor, client_for):
    import io

    from openpyxl import load_workbook

    campaign = world["campaign"]
    download = client_for(city_auditor).get(
        reverse("admin:reports_summary"), {"by": "unit", "campaign": campaign.pk, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(download.content)).active
    title, filters = sheet["A1"].value, sheet["A2"].value

    assert title == "帮扶统计"
    assert filters.startswith("筛选条件：") and "2007年春节送温暖" in filters
    # the money cells carry a number format with thousands separators
    money = [c for row in sheet.iter_rows(min_row=5) for c in row if isinstance(c.value, float)]
    assert money and all("#,##0.00" in c.number_format for c in money)
