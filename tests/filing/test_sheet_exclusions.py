"""The case sheet refuses to put a file on file (在档) while exclusions are ticked on it,
row by row, as the admin's verification refuses it."""

import pytest

from cases.models import Case, CaseStatus, ExclusionCondition
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import KUNSHAN_ID, case_row, errors_of, ids, import_rows

OTHER_ID = ids(1, seed=17)[0]

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "所属工会", "困难类别", "档案状态"]


def test_a_row_verifying_a_file_with_ticked_exclusions_is_refused(units, kunshan_head):
    ticked = CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], name="顾小妹")
    ticked.exclusions.add(ExclusionCondition.objects.get(unit=None, text="家庭拥有两套及以上住房"))
    clean = CaseFactory(id_number=OTHER_ID, unit=units["昆山市总工会"], name="陆阿姨")

    result = import_rows(
        kunshan_head,
        [
            case_row(档案状态="在档"),
            case_row(身份证号=OTHER_ID, 姓名="陆阿姨", 档案状态="在档"),
        ],
        headers=HEADERS,
    )

    assert errors_of(result) == [
        (
            2,
            "档案状态",
            "这份档案勾选了排除性条件（家庭拥有两套及以上住房），不能审核通过。",
        )
    ]
    assert [str(error) for error in result.errors] == [
        "第2行 档案状态: 这份档案勾选了排除性条件（家庭拥有两套及以上住房），不能审核通过。"
    ]
    # A file with an error writes nothing: neither file was verified.
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.PENDING}

    clean.refresh_from_db()
    ticked.exclusions.clear()
    result = import_rows(kunshan_head, [case_row(档案状态="在档")], headers=HEADERS)
    assert errors_of(result) == []
    ticked.refresh_from_db()
    assert ticked.status == CaseStatus.VERIFIED


def test_a_row_that_leaves_a_verified_file_as_it_is_is_not_refused(units, kunshan_head):
    """Ticked after verification: the file awaits its approver (the audit lists it); the
    sheet's other columns stay editable."""
    case = CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], verified=True)
    case.exclusions.add(ExclusionCondition.objects.filter(unit=None).first())
    result = import_rows(kunshan_head, [case_row(档案状态="在档", 姓名="顾小妹")], headers=HEADERS)
    assert errors_of(result) == []
