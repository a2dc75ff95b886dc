"""The sheets in the admin: django-import-export's pages with the sheets' rules and scope."""

import io
import re

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from cases.models import Case, CaseStatus
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import (
    EXPORT_HEADERS,
    KUNSHAN_ID,
    WUZHONG_ID,
    case_row,
    csv_bytes,
    ids,
)

pytestmark = pytest.mark.django_db

CSV = "1"  # the position of .csv in SheetAdminMixin.import_formats / export_formats
XLSX = "0"
SHEET_ADMINS = [
    "cases_case",
    "funds_disbursement",
    "funds_ledgerentry",
    "pairings_agreement",
]


def upload(client, rows, name="cases.csv"):
    return client.post(
        reverse("admin:cases_case_import"),
        {"format": CSV, "import_file": SimpleUploadedFile(name, csv_bytes(rows))},
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(reverse("admin:cases_case_process_import"), data, follow=True)


@pytest.mark.parametrize("admin_name", SHEET_ADMINS)
def test_clerks_see_import_template_and_export_auditors_only_export(
    client_for, kunshan_clerk, city_auditor, admin_name
):
    clerk_page = client_for(kunshan_clerk).get(reverse(f"admin:{admin_name}_changelist"))
    auditor = client_for(city_auditor)
    auditor_page = auditor.get(reverse(f"admin:{admin_name}_changelist"))

    for link in ("import_link", "template_link", "export_link"):
        assert f'class="{link}"' in clerk_page.content.decode()
    assert 'class="export_link"' in auditor_page.content.decode()
    assert 'class="import_link"' not in auditor_page.content.decode()
    assert auditor.get(reverse(f"admin:{admin_name}_import")).status_code == 403
    assert auditor.post(reverse(f"admin:{admin_name}_process_import")).status_code == 403
    assert auditor.get(reverse(f"admin:{admin_name}_sheet_template")).status_code == 403


@pytest.mark.parametrize("admin_name", SHEET_ADMINS)
def test_the_blank_template_has_the_columns_and_drop_down_lists(
    client_for, kunshan_clerk, admin_name
):
    response = client_for(kunshan_clerk).get(reverse(f"admin:{admin_name}_sheet_template"))

    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet, lists = book.worksheets
    assert lists.sheet_state == "hidden"
    assert sheet.data_validations.dataValidation
    headers = [cell.value for cell in sheet[1]]
    listed = {lists.cell(row=1, column=c).value for c in range(1, lists.max_column + 1)}
    assert listed and listed <= set(headers)


def test_the_case_template_lists_vocabularies_and_only_the_clerks_units(client_for, kunshan_clerk):
    response = client_for(kunshan_clerk).get(reverse("admin:cases_case_sheet_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet, lists = book.worksheets
    columns = {
        lists.cell(row=1, column=c).value: [
            lists.cell(row=r, column=c).value for r in range(2, lists.max_row + 1)
        ]
        for c in range(1, lists.max_column + 1)
    }

    assert [cell.value for cell in sheet[1]] == EXPORT_HEADERS
    assert "困难职工" in columns["困难类别"] and "待审核" in columns["档案状态"]
    assert "昆山市总工会" in columns["所属工会"] and "张浦镇工会" in columns["所属工会"]
    assert "吴中区总工会" not in columns["所属工会"]
    assert sheet["B2"].number_format == "@"  # 身份证号 stays text in Excel


def test_a_refused_file_lists_every_error_and_offers_no_confirm(client_for, kunshan_clerk):
    good, other = ids(2)
    rows = [
        case_row(身份证号=good),
        case_row(身份证号="3.20583E+17", 家庭人口="0"),
        case_row(身份证号=other, 所属工会="吴中区总工会"),
    ]

    response = upload(client_for(kunshan_clerk), rows)

    page = response.content.decode()
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    errors = re.findall(
        r'<td class="error-row">(\d+)</td><td class="error-column">([^<]+)</td>', page
    )
    assert errors == [("3", "身份证号"), ("3", "家庭人口"), ("4", "所属工会")]
    assert Case.objects.count() == 0


def test_a_clean_file_previews_then_imports_once_with_one_log_entry(client_for, kunshan_clerk):
    client = client_for(kunshan_clerk)
    rows = [case_row(姓名=f"职工{i}", 身份证号=n) for i, n in enumerate(ids(3))]

    preview = upload(client, rows)
    assert preview.context["confirm_form"] is not None
    assert "新增 3，更新 0，未变 0" in preview.content.decode()
    assert Case.objects.count() == 0  # a preview writes nothing

    done = confirm(client, preview)

    assert "新增 3，更新 0，未变 0" in done.content.decode()
    assert Case.objects.count() == 3
    assert LogEntry.objects.filter(user=kunshan_clerk, object_repr="cases.csv").count() == 1


def test_the_preview_never_shows_another_districts_person(client_for, kunshan_clerk, units):
    CaseFactory(
        unit=units["木渎镇工会"], id_number=WUZHONG_ID, name="吴中秘密人", phone="13900000000"
    )

    response = upload(client_for(kunshan_clerk), [case_row(身份证号=WUZHONG_ID, 姓名="改名")])

    page = response.content.decode()
    assert "吴中秘密人" not in page and "13900000000" not in page
    assert "吴中区总工会" in page or "木渎镇工会" in page  # whom to call, nothing more
    assert Case.objects.get(id_number=WUZHONG_ID).name == "吴中秘密人"


def test_export_of_the_filtered_list_in_scope(client_for, kunshan_clerk, units):
    CaseFactory(unit=units["张浦镇工会"], id_number=KUNSHAN_ID, status=CaseStatus.PENDING)
    CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED)
    CaseFactory(unit=units["木渎镇工会"], status=CaseStatus.PENDING)

    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_export") + "?status__exact=pending", {"format": CSV}
    )

    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == EXPORT_HEADERS
    assert [line.split(",")[1] for line in lines[1:]] == [KUNSHAN_ID]
    assert LogEntry.objects.filter(user=kunshan_clerk, change_message__contains="1").exists()


def test_export_masks_ids_for_auditors(client_for, city_auditor, units):
    CaseFactory(unit=units["张浦镇工会"], id_number=KUNSHAN_ID)

    response = client_for(city_auditor).post(reverse("admin:cases_case_export"), {"format": CSV})

    body = response.content.decode("utf-8-sig")
    assert KUNSHAN_ID not in body and "320583********018X" in body


def test_export_selected_refuses_forged_ids_of_another_district(client_for, kunshan_clerk, units):
    own = CaseFactory(unit=units["张浦镇工会"], id_number=KUNSHAN_ID)
    foreign = CaseFactory(unit=units["木渎镇工会"], id_number=WUZHONG_ID)
    client = client_for(kunshan_clerk)

    forged = client.post(
        reverse("admin:cases_case_export"), {"format": CSV, "export_items": [foreign.pk]}
    )
    mixed = client.post(
        reverse("admin:cases_case_export"),
        {"format": CSV, "export_items": [own.pk]},
    )

    assert forged.get("Content-Disposition") is None  # the form refused the id
    assert WUZHONG_ID not in forged.content.decode()
    body = mixed.content.decode("utf-8-sig")
    assert KUNSHAN_ID in body and WUZHONG_ID not in body


def test_the_export_selected_action_only_carries_ids_in_scope(client_for, kunshan_clerk, units):
    own = CaseFactory(unit=units["张浦镇工会"])
    foreign = CaseFactory(unit=units["木渎镇工会"])

    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_changelist"),
        {"action": "export_selected", "_selected_action": [own.pk, foreign.pk]},
    )

    page = response.content.decode()
    assert f'value="{own.pk}"' in page and f'value="{foreign.pk}"' not in page


def test_an_unreadable_file_is_refused_in_words(client_for, kunshan_clerk):
    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_import"),
        {"format": XLSX, "import_file": SimpleUploadedFile("cases.xlsx", b"not a workbook")},
    )

    errors = response.context["form"].errors["import_file"]
    assert errors == [gettext("Cannot read the file: save it as an Excel .xlsx workbook.")]


def test_the_agreement_list_exports_the_beneficiaries_of_the_agreements_listed(
    client_for, kunshan_clerk, units
):
    from tests.pairings.factories import AgreementFactory, BeneficiaryFactory

    shown = AgreementFactory(number="KS-A", unit=units["昆山市总工会"], kind="hardship")
    hidden = AgreementFactory(number="KS-B", unit=units["昆山市总工会"], kind="leader")
    for agreement in (shown, shown, hidden):
        BeneficiaryFactory(agreement=agreement)

    response = client_for(kunshan_clerk).post(
        reverse("admin:pairings_agreement_export") + "?kind__exact=hardship", {"format": CSV}
    )

    lines = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["KS-A", "KS-A"]
