"""The referral decision page: what the approver needs of the case on the page, required
validity dates marked on their fields, the form not under a close button, a clear title."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import Cause
from tests.cases.factories import CaseFactory, HouseholdMemberFactory
from tests.funds.factories import FundFactory, pay_cash

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(units, kunshan_head):
    case = CaseFactory(
        unit=units["张浦镇工会"],
        verified=True,
        name="周转报",
        household_size=4,
        monthly_income_per_capita=Decimal("380.00"),
    )
    case.causes.set(Cause.objects.filter(name__in=["因病", "单亲"]))
    HouseholdMemberFactory(case=case, name="周小妹", school="张浦中学")
    fund = FundFactory(unit=units["昆山市总工会"], opening=Decimal("5000"))
    pay_cash(case=case, fund=fund, amount=Decimal("1500"), acting_user=kunshan_head,
             disbursed_on=datetime.date(2007, 2, 1))  # fmt: skip
    return services.referral_submit(case=case, reason="重病，家庭无收入", acting_user=kunshan_head)


def url(referral):
    return reverse("admin:cases_referral_change", args=[referral.pk])


def test_the_decision_page_shows_the_case_without_clicking_away(referral, city_admin, client_for):
    page = client_for(city_admin).get(url(referral)).content.decode()

    assert "审批周转报的向市总反映" in page  # the title says what the page is for
    for text in (
        "380.00",
        "因病",
        "单亲",
        "周小妹",
        "张浦中学",
        "1,500.00",
        'id="case-payments-years"',
    ):
        assert text in page
    decision = page.index('id="referral_decision_form"')
    assert "关闭" not in page[:decision]  # no close button above the form
    assert 'name="_decide"' in page


def test_empty_validity_dates_are_marked_required(referral, city_admin, client_for):
    response = client_for(city_admin).post(
        url(referral),
        {"_decide": "1", "decision": "approve", "certificate_number": "苏救2007-018"},
    )

    errors = response.context["decision_form"].form.errors
    assert errors["valid_from"] == ["请填写救助证有效期起（批准时必填）。"]
    assert errors["valid_until"] == ["请填写救助证有效期止（批准时必填）。"]
    page = response.content.decode()
    assert "救助证有效期止必须晚于有效期起" not in page
    assert page.count('class="errorlist') >= 2


def test_dates_in_the_wrong_order_say_so(referral, city_admin, client_for):
    response = client_for(city_admin).post(
        url(referral),
        {
            "_decide": "1",
            "decision": "approve",
            "certificate_number": "苏救2007-018",
            "valid_from": "2009-01-01",
            "valid_until": "2007-01-01",
        },
    )

    errors = response.context["decision_form"].form.errors
    assert "valid_from" not in errors
    assert errors["valid_until"] == ["救助证有效期止必须晚于有效期起。"]


def test_a_district_head_sees_the_referral_without_a_decision_form(
    referral, kunshan_head, client_for
):
    page = client_for(kunshan_head).get(url(referral)).content.decode()

    assert 'name="_decide"' not in page and "周小妹" in page
