"""An import creates or changes records only in the importer's units (issue 6, part 4)."""

import io

import pytest
from django.utils.translation import gettext as _

from cases.models import Case
from cases.resources import CaseResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import WUZHONG_ID, case_row, errors_of, import_rows

pytestmark = pytest.mark.django_db


def unit_error(value: str) -> str:
    return _("Unknown union unit, or outside your scope: %(value)s.") % {"value": value}


@pytest.mark.parametrize("unit", ["吴中区总工会", "WZ", "木渎镇工会", "苏州市总工会"])
def test_a_kunshan_clerk_cannot_file_a_row_in_another_unit(kunshan_clerk, unit):
    result = import_rows(kunshan_clerk, [case_row(所属工会=unit)])

    # Exactly the words for a unit that does not exist: scope is not disclosed.
    assert errors_of(result) == [(2, "所属工会", unit_error(unit))]
    assert Case.objects.count() == 0


def test_a_row_with_a_wuzhong_persons_id_never_touches_them(kunshan_clerk, units):
    wuzhong = CaseFactory(
        id_number=WUZHONG_ID, name="吴中某", unit=units["吴中区总工会"], phone="13800000000"
    )
    row = case_row(身份证号=WUZHONG_ID, 姓名="顾小妹", 联系电话="13912345678")

    result = import_rows(kunshan_clerk, [row], dry_run=True, with_diff=True)
    result_confirmed = import_rows(kunshan_clerk, [row])

    message = _("This person is already on file at %(unit)s.") % {"unit": "吴中区总工会"}
    assert errors_of(result) == errors_of(result_confirmed) == [(2, "身份证号", message)]
    wuzhong.refresh_from_db()
    assert (wuzhong.name, wuzhong.phone, wuzhong.unit) == (
        "吴中某",
        "13800000000",
        units["吴中区总工会"],
    )
    assert wuzhong.history.count() == 1
    # The preview holds only what the file says, never the record on file.
    shown = [str(v) for invalid in result.invalid_rows for v in invalid.values]
    assert "吴中某" not in shown and "13800000000" not in shown
    assert result.rows == []


def test_a_city_approver_may_file_anywhere(units, django_user_model):
    from unions.models import Membership, Role

    user = django_user_model.objects.create_user("city_head")
    Membership.objects.create(user=user, unit=units["苏州市总工会"], role=Role.APPROVER)
    user = django_user_model.objects.get(pk=user.pk)

    result = import_rows(user, [case_row(所属工会="吴中区总工会")])

    assert errors_of(result) == []


def test_export_holds_only_the_users_scope_even_for_a_forged_queryset(kunshan_clerk, units):
    CaseFactory(unit=units["张浦镇工会"], name="张浦某")
    CaseFactory(unit=units["吴中区总工会"], name="吴中某")

    buffer = io.BytesIO()
    CaseResource(user=kunshan_clerk).write_export(buffer, "cases.csv", queryset=Case.objects.all())

    sheet = read_sheet(buffer.getvalue(), "cases.csv")
    assert [cells[0] for _number, cells in sheet.rows] == ["张浦某"]


def test_export_without_a_user_is_refused(units):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as error:
        CaseResource().write_export(io.BytesIO(), "cases.csv")

    assert str(error.value) == "您没有导出困难职工档案的权限。"
