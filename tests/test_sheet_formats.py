"""Formats on the import and export pages (issue 14 part 10): .xls is a format the page
offers (and the browser's file picker accepts), the file's own format is taken when the
picker is left on "---", and the export page offers the format the user chose last."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheets.admin import SheetAdminMixin
from sheets.formats import SheetXLS
from tests.sheets.helpers import case_row, csv_bytes


def test_the_import_page_offers_xls(client_for, kunshan_clerk):
    html = client_for(kunshan_clerk).get(reverse("admin:cases_case_import")).content.decode()

    assert '<option value="2">xls</option>' in html
    assert SheetXLS in SheetAdminMixin.import_formats
    assert SheetXLS().get_content_type() == "application/vnd.ms-excel"  # guess_format.js


def test_a_file_uploaded_without_choosing_a_format_is_read_by_its_ending(
    client_for, kunshan_clerk
):
    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_import"),
        {
            "format": "",
            "import_file": SimpleUploadedFile("cases.csv", csv_bytes([case_row()])),
        },
    )

    assert response.status_code == 200
    assert "confirm_form" in response.context and response.context["confirm_form"] is not None


def test_the_export_page_offers_the_format_chosen_last(client_for, kunshan_clerk):
    client = client_for(kunshan_clerk)
    url = reverse("admin:cases_case_export")
    first = client.get(url).content.decode()
    assert '<option value="1" selected>' not in first

    client.post(url, {"format": "1", "resource": "0"})  # .csv
    again = client.get(url).content.decode()

    assert '<option value="1" selected>csv</option>' in again
