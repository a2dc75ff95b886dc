"""A sheet checked and written a chunk at a time (``SheetResource.chunk_rows``, the case
sheet's way of bounding a million-row import's memory) keeps the engine's promises: every
error of the file at once, a key the file repeats refused across chunks, all rows in one
transaction or none, and the counts and progress of the whole file."""

import pytest

from cases.models import Case
from cases.resources import CaseResource
from sheets import read_sheet
from tests.sheets.helpers import case_row, csv_bytes, errors_of, ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(CaseResource, "chunk_rows", 2)


def run(user, rows, **kwargs):
    sheet = read_sheet(csv_bytes(rows), "cases.csv")
    return CaseResource(user=user).import_sheet(sheet, file_name="cases.csv", **kwargs)


def people(count: int) -> list[dict]:
    return [case_row(身份证号=number, 姓名=f"分块{i}") for i, number in enumerate(ids(count))]


def test_every_chunk_is_written_and_counted(kunshan_clerk, monkeypatch):
    seen: list[tuple[str, int, int]] = []
    writes: list[int] = []
    write = CaseResource.write

    def counted(self, rows, context):
        writes.append(len(rows))
        write(self, rows, context)

    monkeypatch.setattr(CaseResource, "write", counted)

    result = run(kunshan_clerk, people(5), progress=lambda *report: seen.append(report))

    assert writes == [2, 2, 1]

    assert errors_of(result) == []
    assert result.counts == {"new": 5, "updated": 0, "unchanged": 0}
    assert result.total_rows == 5
    assert Case.objects.filter(name__startswith="分块").count() == 5
    checked = [done for stage, done, _total in seen if stage == "check"]
    assert checked == sorted(checked) and checked[-1] == 5  # the file's count, not a chunk's
    written = [done for stage, done, _total in seen if stage == "write"]
    assert written[-1] == 5


def test_a_key_repeated_in_a_later_chunk_is_refused_naming_the_first_row(kunshan_clerk):
    rows = people(4)
    rows.append({**rows[0], "姓名": "重复"})  # sheet row 6 repeats row 2, two chunks apart

    result = run(kunshan_clerk, rows)

    assert errors_of(result) == [(6, "身份证号", "与第2行的身份证号重复：每个只能出现一次。")]
    assert not Case.objects.filter(name__startswith="分块").exists()


def test_a_refusal_in_the_last_chunk_undoes_the_chunks_written_before(kunshan_clerk):
    rows = people(5)
    rows[0]["困难类别"] = "不存在的类别"  # chunk 1
    rows[4]["姓名"] = ""  # chunk 3: still checked after the refusal, and reported

    result = run(kunshan_clerk, rows)

    assert [(row, column) for row, column, _message in errors_of(result)] == [
        (2, "困难类别"),
        (6, "姓名"),
    ]
    assert not Case.objects.filter(name__startswith="分块").exists()


def test_rows_written_then_a_refusal_leaves_nothing(kunshan_clerk):
    rows = people(5)
    rows[4]["姓名"] = ""  # chunks 1 and 2 are written before chunk 3 is read

    result = run(kunshan_clerk, rows)

    assert [(row, column) for row, column, _message in errors_of(result)] == [(6, "姓名")]
    assert not Case.objects.filter(name__startswith="分块").exists()


def test_without_row_results_the_counts_remain(kunshan_clerk):
    result = run(kunshan_clerk, people(3), keep_rows=False)

    assert result.rows == []
    assert result.counts["new"] == 3
    assert Case.objects.filter(name__startswith="分块").count() == 3
