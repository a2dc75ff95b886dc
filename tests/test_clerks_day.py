"""Issue 14 parts whose asks had no test of their own: the case page as the person's
file (part 5: reviews, referrals and agreements beside the payments), money on the
campaign and fund pages (part 8; the summary's is in tests/reports/test_report_money.py),
the admin's breadcrumb band on the sheet and report
pages (part 9) and the payment form's words for campaign and visit (part 2)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import ReviewOutcome
from tests.cases.factories import CampaignFactory
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db


def test_the_case_page_holds_reviews_referrals_and_agreements(
    client_for, kunshan_head, kunshan_case, units
):
    services.review_record(
        case=kunshan_case,
        reviewed_on=datetime.date(2024, 3, 1),
        outcome=ReviewOutcome.CONTINUE,
        notes="仍无固定收入",
        acting_user=kunshan_head,
    )
    services.referral_submit(
        case=kunshan_case, reason="重病，家庭无收入", acting_user=kunshan_head
    )
    agreement = AgreementFactory(number="XY-张浦-01", unit=units["昆山市总工会"])
    BeneficiaryFactory(agreement=agreement, case=kunshan_case)

    page = client_for(kunshan_head).get(reverse("admin:cases_case_change", args=[kunshan_case.pk]))
    html = page.content.decode()

    rows = {
        f.opts.model._meta.model_name: len(f.formset.queryset)
        for f in page.context["inline_admin_formsets"]
    }
    assert {"annualreview": 1, "referral": 1, "beneficiary": 1}.items() <= rows.items()
    assert "householdmember" in rows
    assert "仍无固定收入" in html  # the review's notes
    referral = kunshan_case.referrals.get()
    assert reverse("admin:cases_referral_change", args=[referral.pk]) in html
    assert reverse("admin:pairings_agreement_change", args=[agreement.pk]) in html
    assert 'id="case-payments"' in html  # the payments, with the record and print links
    assert reverse("admin:reports_case_file", args=[kunshan_case.pk]) in html


@pytest.mark.parametrize(
    "role,page",
    [
        ("kunshan_clerk", "admin:cases_case_import"),
        ("kunshan_clerk", "admin:cases_case_export"),
        ("kunshan_clerk", "admin:reports_summary"),
        ("city_auditor", "admin:reports_bulletin"),
        ("city_auditor", "admin:reports_audit"),
    ],
)
def test_sheet_and_report_pages_have_the_admins_breadcrumb_band(
    request, client_for, units, role, page
):
    campaign = CampaignFactory(organiser=units["苏州市总工会"])
    args = [campaign.pk] if page == "admin:reports_bulletin" else []
    response = client_for(request.getfixturevalue(role)).get(reverse(page, args=args))
    html = response.content.decode()

    assert response.status_code == 200
    # the admin's band (django-import-export's pages write it as a div, ours as a list)
    nav = html.split('<nav aria-label="条形导航">', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'<(ol|div) class="breadcrumbs">', nav)
    assert f'href="{reverse("admin:index")}"' in nav and "首页" in nav
    assert 'id="header"' in html  # inside the admin's frame, not a bare page


def test_the_payment_form_names_campaign_and_visit_apart(client_for, kunshan_clerk, kunshan_fund):
    html = client_for(kunshan_clerk).get(reverse("admin:funds_disbursement_add")).content
    text = html.decode()

    assert re.search(r'<label[^>]*for="id_campaign"[^>]*>帮扶活动', text)
    assert re.search(r'<label[^>]*for="id_activity"[^>]*>走访慰问', text)
    assert "慰问活动" not in text


def test_money_on_the_campaign_page_and_fund_page_has_separators(
    client_for, kunshan_head, units, kunshan_fund
):
    campaign = CampaignFactory(organiser=units["昆山市总工会"], budget=Decimal("15000000"))
    client = client_for(kunshan_head)
    page = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk])).content
    listing = client.get(reverse("admin:funds_fund_changelist")).content.decode()

    assert "15,000,000.00" in page.decode() or 'value="15000000.00"' in page.decode()
    assert "10,000.00" in listing and "10000.00" not in listing
