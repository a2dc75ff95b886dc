"""The case sheet and the admin apply the same transitions (cases.services.case_apply_*)."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import HEADERS as SHEET_HEADERS
from tests.sheets.helpers import KUNSHAN_ID, WUZHONG_ID, case_row, errors_of, import_rows

pytestmark = pytest.mark.django_db

# The clerk blanks 救助证号 here (the next tests leave it as exported); the certificate's
# validity dates are not columns: only the transition can clear them.
HEADERS = ["姓名", "身份证号", "所属工会", "困难类别", "档案状态", "救助证号"]
# The fields that differ between the two people, or that only say when a row was written.
NOT_COMPARED = {"id", "id_number", "gender", "birth_date", "created_at", "updated_at"}


def long_term_case(units, id_number: str) -> Case:
    return CaseFactory(
        name="顾小妹",
        id_number=id_number,
        unit=units["昆山市总工会"],
        status=CaseStatus.LONG_TERM,
        verified_on=datetime.date(2024, 1, 5),
        certificate_number="苏救2024-001",
        certificate_valid_from=datetime.date(2024, 2, 1),
        certificate_valid_until=datetime.date(2026, 1, 31),
    )


def record(case: Case) -> dict:
    case.refresh_from_db()
    fields = model_to_dict(case, fields=[f.name for f in Case._meta.concrete_fields])
    fields.update(
        {f.name: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.editable}
    )
    return {name: value for name, value in fields.items() if name not in NOT_COMPARED}


def test_exiting_a_long_term_case_by_sheet_and_by_admin_leaves_the_same_record(
    kunshan_head, client_for, units
):
    by_sheet = long_term_case(units, KUNSHAN_ID)
    by_admin = long_term_case(units, WUZHONG_ID)

    result = import_rows(kunshan_head, [case_row(档案状态="已脱困", 救助证号="")], headers=HEADERS)
    assert errors_of(result) == []
    by_sheet.refresh_from_db()
    client_for(kunshan_head).post(
        "/admin/cases/case/",
        {
            "action": "exit_cases",
            "_selected_action": [by_admin.pk],
            "apply": "1",
            "exited_on": timezone.localdate().isoformat(),
            "reason": by_sheet.exit_reason,
        },
        follow=True,
    )

    sheet_record, admin_record = record(by_sheet), record(by_admin)
    assert admin_record["status"] == CaseStatus.EXITED
    assert sheet_record["certificate_valid_from"] is None
    assert sheet_record["certificate_valid_until"] is None
    assert sheet_record == admin_record


def test_an_exit_by_sheet_need_not_blank_the_certificate_column(kunshan_head, units):
    """As the admin's exit, a sheet's 已脱困 lets the certificate lapse: a clerk who sets
    the status on an exported row leaves 救助证号 as it was exported."""
    case = long_term_case(units, KUNSHAN_ID)

    preview = import_rows(
        kunshan_head,
        [case_row(档案状态="已脱困", 救助证号="苏救2024-001")],
        headers=HEADERS,
        dry_run=True,
        with_diff=True,
    )
    assert errors_of(preview) == []
    [row] = preview.rows
    assert row.diff[SHEET_HEADERS.index("救助证号")] == "<del>苏救2024-001</del> <ins></ins>"

    result = import_rows(
        kunshan_head, [case_row(档案状态="已脱困", 救助证号="苏救2024-001")], headers=HEADERS
    )

    assert errors_of(result) == []
    case.refresh_from_db()
    assert (case.status, case.certificate_number) == (CaseStatus.EXITED, "")
    assert (case.certificate_valid_from, case.certificate_valid_until) == (None, None)


def test_an_exit_with_another_certificate_number_is_refused(kunshan_head, units):
    long_term_case(units, KUNSHAN_ID)

    result = import_rows(
        kunshan_head, [case_row(档案状态="已脱困", 救助证号="苏救2025-999")], headers=HEADERS
    )

    assert errors_of(result) == [
        (2, "救助证号", str(_("Only a case on long-term aid has a certificate.")))
    ]
    assert Case.objects.get().status == CaseStatus.LONG_TERM
