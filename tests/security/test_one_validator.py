"""One rule per field for the admin form and the sheet (issue 13 part 7): dates outside
the supported range (core.dates) and amounts spelled 1E+3 or in Arabic-Indic digits are
refused at both doors with the same words; full-width digits are read at both."""

import datetime
from decimal import Decimal

import pytest
from django import forms

from core.dates import DATE_MAX_YEAR, DATE_MIN_YEAR, SupportedDateField, validate_date
from core.money import MoneyFormField
from funds.models import Disbursement
from pairings.resources import PairedDisbursementResource
from tests.funds.test_funds_admin import post_form
from tests.sheets.helpers import errors_of, import_sheet
from tests.sheets.test_disbursement_sheet import HEADERS, row

pytestmark = pytest.mark.django_db

PAID = "/admin/funds/disbursement/add/"
DATE_REFUSAL = "日期超出范围：年份必须在 1900 至 2100 之间。"
NOT_AN_AMOUNT = "不是有效的金额：请填写数字，例如 800 或 800.50。"


def admin_errors(client, case, fund, **fields):
    response = client.post(PAID, post_form(case, fund, **fields))
    assert response.status_code == 200, "the form was accepted"
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def sheet_errors(user, case, **cells):
    result = import_sheet(PairedDisbursementResource, user, [row(case, **cells)], HEADERS)
    return [(column, message) for _n, column, message in errors_of(result)]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_a_date_outside_the_range_is_refused_by_form_and_sheet_alike(
    client_for, kunshan_clerk, kunshan_case, kunshan_fund, day
):
    form = admin_errors(client_for(kunshan_clerk), kunshan_case, kunshan_fund, disbursed_on=day)
    sheet = sheet_errors(kunshan_clerk, kunshan_case, 发放日期=day, 资金来源=kunshan_fund.name)

    assert form == {"disbursed_on": [DATE_REFUSAL]}
    assert sheet == [("发放日期", DATE_REFUSAL)]
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("day", ["1900-01-01", "2100-12-31"])
def test_the_ends_of_the_range_are_accepted_by_both(
    client_for, kunshan_clerk, kunshan_case, kunshan_fund, day
):
    response = client_for(kunshan_clerk).post(
        PAID, post_form(kunshan_case, kunshan_fund, disbursed_on=day, cash_amount="10")
    )
    sheet = sheet_errors(kunshan_clerk, kunshan_case, 发放日期=day, 资金来源=kunshan_fund.name)

    assert response.status_code == 302
    assert sheet == []


@pytest.mark.parametrize("amount", ["1E+3", "1e3", "١٠٠٠", "۱۰۰۰", "1000.", "0x10"])
def test_an_amount_spelled_oddly_is_refused_by_form_and_sheet_alike(
    client_for, kunshan_clerk, kunshan_case, kunshan_fund, amount
):
    form = admin_errors(client_for(kunshan_clerk), kunshan_case, kunshan_fund, cash_amount=amount)
    sheet = sheet_errors(
        kunshan_clerk, kunshan_case, **{"金额（元）": amount}, 资金来源=kunshan_fund.name
    )

    # (The form adds that a cash kind needs an amount: the field read none.)
    assert list(form) == ["cash_amount"] and form["cash_amount"][0] == NOT_AN_AMOUNT
    assert sheet == [("金额（元）", NOT_AN_AMOUNT)]
    assert not Disbursement.objects.exists()


def test_full_width_digits_are_read_by_form_and_sheet_alike(
    client_for, kunshan_clerk, kunshan_case, kunshan_fund
):
    response = client_for(kunshan_clerk).post(
        PAID, post_form(kunshan_case, kunshan_fund, cash_amount="１２０．５０")
    )
    result = import_sheet(
        PairedDisbursementResource,
        kunshan_clerk,
        [
            row(
                kunshan_case,
                **{"金额（元）": "１２０．５０"},
                资金来源=kunshan_fund.name,
                发放日期="2007-03-01",
            )
        ],
        HEADERS,
    )

    assert response.status_code == 302
    assert errors_of(result) == []
    assert sorted(Disbursement.objects.values_list("cash_amount", flat=True)) == [
        Decimal("120.50"),
        Decimal("120.50"),
    ]


def test_the_service_forms_share_the_rules():
    class Form(forms.Form):
        day = SupportedDateField()
        amount = MoneyFormField()

    refused = Form({"day": "9999-12-31", "amount": "1E+3"})
    read = Form({"day": "2007-02-07", "amount": "１,０００"})

    assert refused.errors == {"day": [DATE_REFUSAL], "amount": [NOT_AN_AMOUNT]}
    assert read.is_valid() and read.cleaned_data == {
        "day": datetime.date(2007, 2, 7),
        "amount": Decimal("1000.00"),
    }


def test_date_times_are_checked_too():
    validate_date(datetime.datetime(2007, 2, 7, 8, 30))
    with pytest.raises(Exception, match="1900"):
        validate_date(datetime.datetime(DATE_MAX_YEAR + 1, 1, 1))
    assert DATE_MIN_YEAR == 1900
