"""Issue 14 part 8: money in the import preview as on every other page (1,234.50, from
core.money.format_yuan), not as the sheet writes it (1234.50)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.resources import CaseResource
from sheets.fields import SheetField
from sheets.widgets import MoneyWidget
from tests.sheets.helpers import case_row, csv_bytes, ids, import_rows

pytestmark = pytest.mark.django_db

INCOME = "家庭月人均收入（元）"
INCOME_COLUMN = 9  # its place among the sheet's columns (tests.sheets.helpers.HEADERS)


def test_the_admin_preview_shows_money_with_thousands_separators(client_for, kunshan_clerk):
    rows = [case_row(身份证号=number, **{INCOME: "1234.5"}) for number in ids(1)]

    preview = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_import"),
        {"format": "1", "import_file": SimpleUploadedFile("cases.csv", csv_bytes(rows))},
    )

    html = preview.content.decode()
    assert preview.context["confirm_form"] is not None
    assert "<td>1,234.50</td>" in html.replace("\n", "").replace("  ", "")
    assert "1234.50" not in html


def test_a_changed_amount_shows_both_values_formatted(kunshan_clerk):
    (number,) = ids(1)
    import_rows(kunshan_clerk, [case_row(身份证号=number, **{INCOME: "1000"})])

    result = import_rows(
        kunshan_clerk,
        [case_row(身份证号=number, **{INCOME: "12345.5"})],
        dry_run=True,
        with_diff=True,
    )

    (row,) = result.rows
    assert row.diff[INCOME_COLUMN] == "<del>1,000.00</del> <ins>12,345.50</ins>"


def test_signed_amounts_and_blanks_in_the_preview(kunshan_clerk):
    resource = CaseResource(user=kunshan_clerk)
    field = SheetField("amount", "金额（元）", MoneyWidget(signed=True))

    assert resource.display_value(field, Decimal("-1500000"), None) == "-1,500,000.00"
    assert resource.display_value(field, Decimal("0.5"), None) == "0.50"
    assert resource.display_value(field, None, None) == ""
