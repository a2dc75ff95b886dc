"""Printing a page prints its content (issue 14 part 9): not the header, the sidebar, the
filter box or the actions, and the title once, checked with Chromium's print media."""

import pytest
from django.urls import reverse

from tests.cases.factories import CampaignFactory, CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIDDEN = ["#header", "#nav-sidebar", ".breadcrumbs", "#changelist-filter", ".actions"]


def visible(page, selector):
    return page.evaluate(
        "(s) => [...document.querySelectorAll(s)].filter(e => e.offsetParent !== null"
        " || getComputedStyle(e).position === 'fixed' && getComputedStyle(e).display !== 'none')"
        ".length",
        selector,
    )


@pytest.mark.parametrize("path", ["case_list", "summary", "bulletin", "case_file"])
def test_a_printed_page_holds_the_content_and_its_title_once(units, login, page, path):
    cases = [CaseFactory(unit=units["昆山市总工会"], name=n) for n in ("欧阳建国", "黄荣生")]
    campaign = CampaignFactory(organiser=units["昆山市总工会"], name="春节送温暖")
    url = {
        "case_list": reverse("admin:cases_case_changelist"),
        "summary": reverse("admin:reports_summary"),
        "bulletin": reverse("admin:reports_bulletin", args=[campaign.pk]),
        "case_file": reverse("admin:reports_case_file", args=[cases[0].pk]),
    }[path]
    login("kunshan_head")
    page.goto(f"{page.base_url}{url}")
    title = page.locator("#content h1, #content .file-title").first.inner_text().strip()
    assert title and visible(page, "#nav-sidebar") + visible(page, "#header") >= 1  # on screen

    page.emulate_media(media="print")

    for selector in HIDDEN:
        assert visible(page, selector) == 0, (path, selector)
    shown = page.evaluate("() => document.body.innerText")
    lines = [line.strip() for line in shown.splitlines()]
    assert lines.count(title) == 1, (path, title, lines[:5])
    assert visible(page, "#content") == 1
    if path == "case_list":
        assert "欧阳建国" in shown and "黄荣生" in shown
