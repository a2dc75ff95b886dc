"""The Content-Security-Policy (Django's own, reliefsite.settings SECURE_CSP) holds in a
real browser: the admin, its widgets, the reports and their charts load without one
refusal (Chromium reports each on the console as "Refused to …" and fires
``securitypolicyviolation``)."""

import pytest
from django.core.management import call_command

from cases.models import Campaign, Case
from funds.models import Fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before any page script runs (through the DevTools protocol, so the policy
# does not apply to it): collects every violation the page reports.
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def watched(page):
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Refused to" in message.text else None,
    )
    page.add_init_script(WATCH)
    return page, refused


def visit(page, refused, path):
    response = page.goto(f"{page.base_url}{path}")
    assert response.status == 200, path
    assert "content-security-policy" in response.headers, path
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    assert (path, refused, violations) == (path, [], [])


def test_admin_pages_and_report_charts_load_under_the_policy(db, login, watched):
    page, refused = watched
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    case = Case.objects.filter(unit__name__contains="昆山").first() or Case.objects.first()
    fund = Fund.objects.first()
    campaign = Campaign.objects.first()

    visit(page, refused, "/admin/login/")
    login("kunshan_clerk")
    version = case.history.earliest().history_id
    for path in [
        "/admin/",
        "/admin/cases/case/",
        "/admin/cases/case/?status__exact=verified&o=1",
        "/admin/cases/case/add/",
        f"/admin/cases/case/{case.pk}/change/",
        f"/admin/cases/case/{case.pk}/history/",
        f"/admin/cases/case/{case.pk}/history/{version}/",
        "/admin/funds/disbursement/",
        "/admin/funds/disbursement/add/",
        f"/admin/funds/fund/{fund.pk}/change/",
        "/admin/cases/case/import/",
    ]:
        visit(page, refused, path)
    # A widget that builds its own markup: the date picker and the autocomplete.
    page.goto(f"{page.base_url}/admin/funds/disbursement/add/")
    page.click(".datetimeshortcuts a:has-text('今天')")
    page.click(".select2-selection")
    page.wait_for_selector(".select2-results")
    assert page.evaluate("window.__cspViolations") == [] and refused == []

    page.context.clear_cookies()
    login("city_auditor")
    for path in [
        "/admin/",
        "/admin/reports/summary/?by=unit",
        "/admin/reports/summary/?by=category",
        "/admin/reports/audit/",
        f"/admin/reports/bulletin/{campaign.pk}/",
        "/admin/accesslog/accessrecord/",
        "/admin/admin/logentry/",
    ]:
        visit(page, refused, path)
    page.goto(f"{page.base_url}/admin/reports/summary/?by=unit")
    assert page.locator("#unit-chart rect").count() > 0


@pytest.mark.parametrize(
    "error,status,heading",
    [("bug", 500, "出错了"), ("database", 503, "服务暂时不可用")],
    ids=["500", "503"],
)
def test_the_error_pages_load_their_style_under_the_policy(
    kunshan_clerk, login, watched, error, status, heading
):
    from unittest import mock

    from django.db import OperationalError

    page, refused = watched
    login("kunshan_clerk")
    failure = RuntimeError("bug") if error == "bug" else OperationalError("connection lost")

    with mock.patch("django.contrib.admin.views.main.ChangeList.get_results", side_effect=failure):
        response = page.goto(f"{page.base_url}/admin/cases/case/")
        page.wait_for_load_state("load")

    assert response.status == status
    assert "content-security-policy" in response.headers
    assert page.evaluate("window.__cspViolations") == [] and refused == []
    assert page.locator("h1").inner_text() == heading
    # the stylesheet applied: the column is 40em wide, centred
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "640px"
