"""importsheet / exportsheet exactly as INTERFACES.md promises: output and exit codes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Case
from sheets import read_sheet
from tests.sheets.helpers import EXPORT_HEADERS, case_row, csv_bytes, ids

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def sheet_file(tmp_path):
    def make(rows, name="cases.csv", **kwargs):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, **kwargs))
        return str(path)

    return make


def test_import_prints_the_counts_and_exits_0(kunshan_clerk, sheet_file):
    path = sheet_file([case_row(身份证号=i) for i in ids(2)])

    assert run("importsheet", "cases", path, "--as", "kunshan_clerk")[:2] == (
        0,
        "新增 2，更新 0，未变 0\n",
    )
    assert run("importsheet", "cases", path, "--as", "kunshan_clerk")[:2] == (
        0,
        "新增 0，更新 0，未变 2\n",
    )


def test_refused_rows_are_printed_and_exit_1(kunshan_clerk, sheet_file):
    good, other = ids(2)
    path = sheet_file(
        [
            case_row(身份证号=good),
            case_row(身份证号="3.20583E+17", 家庭人口="0"),
            case_row(身份证号=other, 所属工会="吴中区总工会"),
        ]
    )

    code, out, _message = run("importsheet", "cases", path, "--as", "kunshan_clerk")

    assert code == 1
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "第3行 身份证号",
        "第3行 家庭人口",
        "第4行 所属工会",
    ]
    assert all(line.split(": ", 1)[1] for line in lines)
    assert Case.objects.count() == 0


def test_dry_run_writes_nothing(kunshan_clerk, sheet_file):
    path = sheet_file([case_row()])

    code, out, err = run("importsheet", "cases", path, "--as", "kunshan_clerk", "--dry-run")

    assert (code, out) == (0, "新增 1，更新 0，未变 0\n")
    assert err  # says that nothing was written
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "args",
    [
        ("cases", "{path}", "--as", "nobody"),
        ("cases", "{path}", "--as", "inactive"),
        ("payroll", "{path}", "--as", "kunshan_clerk"),
        ("cases", "/no/such/file.csv", "--as", "kunshan_clerk"),
        ("cases", "{path}", "--as", "city_auditor"),
    ],
    ids=["unknown user", "inactive user", "unknown kind", "missing file", "may not import"],
)
def test_usage_problems_exit_2(units, django_user_model, sheet_file, args):
    django_user_model.objects.create_user("inactive", is_active=False)
    path = sheet_file([case_row()])

    code, _out, message = run("importsheet", *(a.format(path=path) for a in args))

    assert code == 2 and message
    assert Case.objects.count() == 0


def test_an_unreadable_file_is_refused_with_exit_1(kunshan_clerk, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"")

    code, out, _message = run("importsheet", "cases", str(path), "--as", "kunshan_clerk")

    assert code == 1 and out


def test_no_progress_display_when_not_on_a_terminal(kunshan_clerk, sheet_file):
    path = sheet_file([case_row()])

    _code, _out, err = run("importsheet", "cases", path, "--as", "kunshan_clerk")

    assert "\r" not in err and "%" not in err


@pytest.mark.parametrize("name", ["cases.csv", "cases.xlsx"])
def test_export_writes_the_file_by_its_ending(kunshan_clerk, tmp_path, sheet_file, name):
    run("importsheet", "cases", sheet_file([case_row(身份证号=i) for i in ids(3)]), "--as",
        "kunshan_clerk")  # fmt: skip
    target = tmp_path / "out" / name
    target.parent.mkdir()

    code, out, _err = run("exportsheet", "cases", "--as", "kunshan_clerk", "-o", str(target))

    assert code == 0 and "3" in out
    sheet = read_sheet(target.read_bytes(), name)
    assert sheet.headers == EXPORT_HEADERS
    assert len(list(sheet.rows)) == 3


def test_export_filters_on_the_command_line(kunshan_clerk, tmp_path, sheet_file):
    first, second = ids(2)
    rows = [case_row(身份证号=first, 所属工会="张浦镇工会"), case_row(身份证号=second)]
    run("importsheet", "cases", sheet_file(rows), "--as", "kunshan_clerk")
    target = tmp_path / "zp.csv"

    run("exportsheet", "cases", "--as", "kunshan_clerk", "-o", str(target), "--unit", "张浦镇工会",
        "--status", "待审核", "--category", "困难职工")  # fmt: skip

    rows = [cells for _n, cells in read_sheet(target.read_bytes(), "zp.csv").rows]
    assert [cells[1] for cells in rows] == [first]


@pytest.mark.parametrize(
    "args",
    [
        ("cases", "--as", "kunshan_clerk", "-o", "{dir}/cases.xls"),
        ("cases", "--as", "nobody", "-o", "{dir}/cases.csv"),
        ("ledger-2007", "--as", "kunshan_clerk", "-o", "{dir}/cases.csv"),
        ("cases", "--as", "kunshan_clerk", "-o", "{dir}/cases.csv", "--unit", "吴中区总工会"),
        ("cases", "--as", "kunshan_clerk", "-o", "{dir}/missing/cases.csv"),
    ],
    ids=["bad ending", "unknown user", "unknown kind", "unit outside scope", "no folder"],
)
def test_export_usage_problems_exit_2(kunshan_clerk, tmp_path, args):
    code, _out, message = run("exportsheet", *(a.format(dir=tmp_path) for a in args))

    assert code == 2 and message
    assert list(tmp_path.iterdir()) == []


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal(kunshan_clerk, sheet_file):
    path = sheet_file([case_row(身份证号=i) for i in ids(3)])
    out, err = io.StringIO(), Terminal()

    call_command("importsheet", "cases", path, "--as", "kunshan_clerk", stdout=out, stderr=err)

    assert "\r" in err.getvalue() and "100%" in err.getvalue()
    assert out.getvalue() == "新增 3，更新 0，未变 0\n"


def test_every_sheet_of_interfaces_md_imports_and_exports_from_the_cli(
    kunshan_clerk, units, tmp_path
):
    """ledger → disbursements → pairings, each exported and re-imported unchanged."""
    from cases.models import CaseStatus
    from tests.cases.factories import CaseFactory

    person = CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED, name="顾小妹")
    sheets = {
        "ledger": (
            ["资金名称", "所属工会", "资金类别", "日期", "收支类型", "金额（元）", "来源"],
            ["送温暖专项资金", "昆山市总工会", "送温暖专项资金", "2007-01-05", "上级拨款",
             "1000", "市总"],
        ),
        "disbursements": (
            ["身份证号", "姓名", "发放日期", "发放类别", "金额（元）", "资金来源", "发放单位"],
            [person.id_number, "顾小妹", "2007-02-07", "慰问金", "800", "送温暖专项资金",
             "昆山市总工会"],
        ),
        "pairings": (
            ["协议编号", "结对方", "结对方类型", "结对类型", "签约工会", "帮扶对象身份证号",
             "帮扶标准（元）", "周期", "开始日期", "结束日期", "状态"],
            ["KS-01", "昆山农行", "单位", "帮困", "昆山市总工会", person.id_number, "100",
             "每月", "2007-01-01", "2030-12-31", "生效"],
        ),
    }  # fmt: skip
    for kind, (headers, cells) in sheets.items():
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(csv_bytes([dict(zip(headers, cells, strict=True))], headers=headers))
        assert run("importsheet", kind, str(path), "--as", "kunshan_clerk")[:2] == (
            0,
            "新增 1，更新 0，未变 0\n",
        ), kind
        exported = tmp_path / f"{kind}-export.xlsx"
        assert run("exportsheet", kind, "--as", "kunshan_clerk", "-o", str(exported))[0] == 0
        assert run("importsheet", kind, str(exported), "--as", "kunshan_clerk")[:2] == (
            0,
            "新增 0，更新 0，未变 1\n",
        ), kind


def test_a_filter_a_sheet_does_not_have_is_a_usage_error(kunshan_clerk, tmp_path):
    target = tmp_path / "ledger.csv"

    code, _out, message = run(
        "exportsheet", "ledger", "--as", "kunshan_clerk", "-o", str(target), "--category", "x"
    )

    assert code == 2 and not target.exists()


def test_the_auditor_cannot_import_money_from_the_cli(city_auditor, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(
        csv_bytes([], headers=["资金名称", "所属工会", "日期", "收支类型", "金额（元）"])
    )

    code, _out, message = run("importsheet", "ledger", str(path), "--as", "city_auditor")

    assert code == 2 and "资金台账" in message
