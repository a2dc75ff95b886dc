"""A city auditor opens the summary report, filters it and sees the chart."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_filters_the_summary_and_sees_the_chart(db, login, page):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    login("city_auditor")

    page.goto(f"{page.base_url}/admin/reports/summary/")
    page.select_option("#id_campaign", label="2007年春节送温暖")
    page.select_option("#id_by", value="unit")
    page.click("#report-filter input[type=submit]")

    page.wait_for_selector("#unit-chart rect")
    bars = page.locator("#unit-chart text").all_text_contents()
    assert "吴中区总工会" in bars and "苏州工投公司工会" in bars
    total_row = page.locator("#report-table tr.total").inner_text()
    assert total_row.startswith("合计")
    assert "campaign=" in page.url
