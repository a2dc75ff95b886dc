"""A 昆山 clerk imports a case sheet in the admin: the refused file shows each bad row,
the corrected file shows its preview, and the confirm imports it."""

import os

import pytest

from cases.models import Case
from tests.sheets.helpers import case_row, csv_bytes, ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SHEET_SCREENSHOTS")  # a directory, to look at the pages


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def upload(page, tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    page.click(".submit-row input[type=submit]")


def test_a_refused_row_is_shown_then_the_corrected_file_imports(units, login, page, tmp_path):
    first, second = ids(2)
    login("kunshan_clerk")
    page.goto(f"{page.base_url}/admin/cases/case/")
    page.click(".object-tools a.import_link")
    page.wait_for_selector("#id_import_file")
    assert page.locator("a.template_link").count() == 1

    bad = [
        case_row(姓名="顾一", 身份证号=first),
        case_row(姓名="顾二", 身份证号=second[:-1] + "0"),
    ]
    if bad[1]["身份证号"] == second:  # the check digit happened to be 0
        bad[1]["身份证号"] = second[:-1] + "1"
    upload(page, tmp_path, "wrong.csv", bad)
    page.wait_for_selector("table.sheet-errors")
    shot(page, "refused")
    cells = page.locator("table.sheet-errors tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["3", "身份证号"] and "校验" in cells[2]
    assert page.locator("input[name=confirm]").count() == 0
    assert Case.objects.count() == 0

    good = [case_row(姓名="顾一", 身份证号=first), case_row(姓名="顾二", 身份证号=second)]
    upload(page, tmp_path, "right.csv", good)
    page.wait_for_selector("input[name=confirm]")
    shot(page, "preview")
    assert "新增 2，更新 0，未变 0" in page.locator(".sheet-summary").inner_text()
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "imported")
    assert "新增 2" in page.locator(".messagelist").inner_text()
    assert sorted(Case.objects.values_list("name", flat=True)) == ["顾一", "顾二"]


def test_an_xls_workbook_imports_with_the_format_picker_left_alone(units, login, page, tmp_path):
    # issue 14 part 10: an old .xls, the format taken from the file; issue 13 part 1: the
    # .xls is measured (sheets.biff) before calamine reads it
    import datetime

    from tests.sheets.helpers import HEADERS
    from tests.sheets.xls import case_xls

    rows = [
        case_row(姓名=f"旧表{n}", 身份证号=number, 建档日期=datetime.date(2006, 12, 1))
        for n, number in enumerate(ids(2, seed=11))
    ]
    path = tmp_path / "2006年困难职工.xls"
    path.write_bytes(case_xls(rows, HEADERS))
    login("kunshan_clerk")
    page.goto(f"{page.base_url}/admin/cases/case/import/")

    page.set_input_files("#id_import_file", str(path))  # the picker is not touched
    page.click(".submit-row input[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    shot(page, "xls-preview")
    assert "新增 2，更新 0，未变 0" in page.locator(".sheet-summary").inner_text()
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")

    assert sorted(Case.objects.values_list("name", flat=True)) == ["旧表0", "旧表1"]
    assert set(Case.objects.values_list("registered_on", flat=True)) == {
        datetime.date(2006, 12, 1)
    }
