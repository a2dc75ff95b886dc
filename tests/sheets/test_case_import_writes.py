"""All or nothing, idempotent re-imports, history and the record of who imported what."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import KUNSHAN_ID, case_row, errors_of, ids, import_rows

pytestmark = pytest.mark.django_db


def good_rows(count: int) -> list[dict]:
    return [
        case_row(姓名=f"职工{i}", 身份证号=id_number, 致困原因="因病")
        for i, id_number in enumerate(ids(count))
    ]


def test_a_file_with_one_bad_row_writes_nothing(kunshan_clerk, units):
    CaseFactory(unit=units["昆山市总工会"])
    rows = good_rows(5)
    rows[3]["家庭人口"] = "-1"
    before = Case.objects.count()

    result = import_rows(kunshan_clerk, rows)

    assert [(row, column) for row, column, _reason in errors_of(result)] == [(5, "家庭人口")]
    assert Case.objects.count() == before
    assert result.summary() == "新增 0，更新 0，未变 0"


def test_a_clean_file_imports_every_row(kunshan_clerk):
    result = import_rows(kunshan_clerk, good_rows(5))

    assert (errors_of(result), result.summary()) == ([], "新增 5，更新 0，未变 0")
    assert Case.objects.count() == 5
    assert Case.causes.through.objects.count() == 5


def test_importing_the_same_file_again_changes_nothing(kunshan_clerk):
    rows = good_rows(5)
    import_rows(kunshan_clerk, rows)
    history_before = Case.history.count()

    result = import_rows(kunshan_clerk, rows)

    assert (errors_of(result), result.summary()) == ([], "新增 0，更新 0，未变 5")
    assert Case.objects.count() == 5
    assert Case.history.count() == history_before


def test_a_changed_row_is_updated_and_the_rest_unchanged(kunshan_clerk):
    rows = good_rows(3)
    import_rows(kunshan_clerk, rows)
    rows[1].update(联系电话="13912345678", 致困原因="因病、因残")

    result = import_rows(kunshan_clerk, rows)

    assert result.summary() == "新增 0，更新 1，未变 2"
    case = Case.objects.get(id_number=rows[1]["身份证号"])
    assert case.phone == "13912345678"
    assert sorted(case.causes.values_list("name", flat=True)) == ["因残", "因病"]


def test_a_blank_optional_cell_clears_the_value_but_keeps_defaults(kunshan_clerk, units):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], phone="13912345678")
    before = Case.objects.get()

    import_rows(kunshan_clerk, [case_row(姓名=before.name, 联系电话="", 建档日期="", 档案状态="")])

    after = Case.objects.get()
    assert after.phone == ""
    assert (after.registered_on, after.status) == (before.registered_on, before.status)


def test_history_records_the_importer(kunshan_clerk):
    rows = good_rows(2)
    import_rows(kunshan_clerk, rows)
    rows[0]["联系电话"] = "13912345678"

    import_rows(kunshan_clerk, rows)

    case = Case.objects.get(id_number=rows[0]["身份证号"])
    history = list(case.history.order_by("history_id"))
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", kunshan_clerk),
        ("~", kunshan_clerk),
    ]
    assert history[-1].phone == "13912345678"
    # The causes as they stood after each import are part of the history too.
    assert [list(h.causes.values_list("cause__name", flat=True)) for h in history] == [
        ["因病"],
        ["因病"],
    ]


def test_the_import_is_recorded_in_the_admin_log(kunshan_clerk):
    import_rows(kunshan_clerk, good_rows(2))

    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_repr) == (
        kunshan_clerk,
        ADDITION,
        "cases.csv",
    )
    assert entry.content_type.model_class() is Case
    assert "cases.csv" in entry.change_message and "2" in entry.change_message


def test_a_dry_run_writes_nothing_and_logs_nothing(kunshan_clerk):
    result = import_rows(kunshan_clerk, good_rows(3), dry_run=True)

    assert result.summary() == "新增 3，更新 0，未变 0"
    assert Case.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_the_preview_shows_old_and_new_values_of_a_changed_row(kunshan_clerk):
    rows = good_rows(1)
    import_rows(kunshan_clerk, rows)
    rows[0]["联系电话"] = "13912345678"

    result = import_rows(kunshan_clerk, rows, dry_run=True, with_diff=True)

    (row,) = result.rows
    assert row.import_type == "update"
    assert row.diff[10] == "<del></del> <ins>13912345678</ins>"
    assert row.diff[0] == "职工0"


@pytest.mark.parametrize("username", ["city_auditor", "city_admin"])
def test_roles_without_add_and_change_may_not_import(request, username):
    user = request.getfixturevalue(username)

    with pytest.raises(PermissionDenied) as error:
        import_rows(user, good_rows(1))

    assert str(error.value) == "您没有导入困难职工档案的权限。"

    assert Case.objects.count() == 0


def test_an_approver_setting_exited_records_the_date(kunshan_head, units):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], status=CaseStatus.VERIFIED)

    result = import_rows(kunshan_head, [case_row(档案状态="已脱困")])

    assert errors_of(result) == []
    case = Case.objects.get()
    assert case.status == CaseStatus.EXITED
    assert case.exited_on is not None and case.exit_reason


def test_a_missing_column_leaves_its_field_alone(kunshan_clerk, units):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], phone="13912345678")
    headers = ["姓名", "身份证号", "所属工会", "困难类别"]

    result = import_rows(kunshan_clerk, [case_row(姓名="顾小妹")], headers=headers)

    assert result.summary() == "新增 0，更新 1，未变 0"
    assert Case.objects.get().phone == "13912345678"


def test_a_conflicting_write_is_reported_and_nothing_is_written(kunshan_clerk, units, monkeypatch):
    from cases.resources import CaseResource

    rows = good_rows(3)
    original_write = CaseResource.write

    def write_after_someone_else(self, planned, progress=None):
        # Another import files the same person between our check and our write.
        CaseFactory(id_number=rows[1]["身份证号"], unit=units["吴中区总工会"])
        return original_write(self, planned, progress)

    monkeypatch.setattr(CaseResource, "write", write_after_someone_else)

    result = import_rows(kunshan_clerk, rows)

    assert [e.message for e in result.errors] == [
        _("The register changed while importing: try again.")
    ]
    assert Case.objects.count() == 0
    assert LogEntry.objects.count() == 0
