"""The case sheet and the admin apply the same transitions (cases.services.case_apply_*)."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from cases.models import Case, CaseStatus
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import KUNSHAN_ID, WUZHONG_ID, case_row, errors_of, import_rows

pytestmark = pytest.mark.django_db

# The sheet refuses a 救助证号 on a case that is not long-term, so the clerk blanks it; the
# certificate's validity dates are not columns: only the transition can clear them.
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
