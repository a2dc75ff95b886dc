"""sheets.bulk on both databases: multi-row INSERT on SQLite, COPY on PostgreSQL.

The values that COPY's text format must escape (tabs, newlines, backslashes, ``\\N``) and
that a hand-built INSERT must keep as parameters (quotes, ``%s``) go in and come back
unchanged, with NULLs, money, dates and Chinese text; keys come back in row order; the
history rows are the ones simple-history would write; batches split where they should;
and a failure rolls back everything the writer did inside the transaction.
"""

import datetime
import math
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.idnumbers import birth_date_from_id, gender_from_id
from cases.models import Case, Category, Cause
from pairings.models import Agreement
from sheets import bulk, insert_history, insert_rows, insert_with_history, update_rows
from tests.pairings.factories import AgreementFactory, SponsorFactory
from tests.sheets.helpers import ids

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
NOW = datetime.datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=datetime.UTC)
HistoricalCase = Case.history.model

# Each is one row's text: what COPY's text format escapes, what breaks a hand-built
# INSERT, and what a clerk really types.
TRICKY_TEXTS = [
    "他说：\"你好\"，又说'再见'",
    "列一\t列二\t",
    "第一行\n第二行\r\n第三行\r",
    "C:\\档案\\2007\\n不是换行",
    "\\N",
    "\\.",
    "",
    "  前后有空格  ",
    "100% 完成 %s %(name)s %%",
    "'); DROP TABLE cases_case; --",
    "张浦镇（东）1号·困难职工😀",
]
MONEY = [None, Decimal("0.00"), Decimal("0.01"), Decimal("1000.50"), Decimal("999999999999.99")]
HOUSEHOLD_SIZES = [None, 1, 3, 32767]
VALID_FROM = [None, datetime.date(2000, 2, 29), datetime.date(1970, 1, 1)]
EXTRA_CATEGORIES = [[], [Category.MODEL_WORKER, Category.SUBSISTENCE]]

# The columns compared between what was written and what the database holds.
COLUMNS = [
    "name",
    "id_number",
    "gender",
    "birth_date",
    "unit_id",
    "category",
    "extra_categories",
    "phone",
    "address",
    "employer",
    "notes",
    "household_size",
    "monthly_income_per_capita",
    "status",
    "registered_on",
    "certificate_valid_from",
    "verified_by_id",
    "created_at",
    "updated_at",
]


@pytest.fixture
def copies(monkeypatch) -> list[str]:
    """The COPY statements psycopg runs. They go past Django's cursor wrapper, so
    CaptureQueriesContext never sees them; this spy does."""
    statements: list[str] = []
    if POSTGRESQL:
        import psycopg

        original = psycopg.Cursor.copy

        def copy(self, statement, *args, **kwargs):
            statements.append(str(statement))
            return original(self, statement, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "copy", copy)
    return statements


def new_cases(unit, count: int, *, verified_by=None, **fields) -> list[Case]:
    """Unsaved cases as WriterMixin hands them over: every column set, auto_now included."""
    cases = []
    for index, id_number in enumerate(ids(count)):
        values = {
            "name": f"困难职工{index}",
            "id_number": id_number,
            "gender": gender_from_id(id_number),
            "birth_date": birth_date_from_id(id_number),
            "unit": unit,
            "category": Category.HARDSHIP_WORKER,
            "extra_categories": EXTRA_CATEGORIES[index % len(EXTRA_CATEGORIES)],
            "household_size": HOUSEHOLD_SIZES[index % len(HOUSEHOLD_SIZES)],
            "monthly_income_per_capita": MONEY[index % len(MONEY)],
            "registered_on": datetime.date(2007, 2, 7),
            "certificate_valid_from": VALID_FROM[index % len(VALID_FROM)],
            "verified_by": verified_by if index % 2 else None,
            "created_at": NOW,
            "updated_at": NOW,
            **fields,
        }
        cases.append(Case(**values))
    return cases


def expected(case: Case) -> dict:
    return {column: getattr(case, column) for column in COLUMNS}


def inserts_into(captured, table: str) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].startswith(f'INSERT INTO "{table}"')]


def assert_written_by_the_backend_path(captured, copies, model, batches: int) -> None:
    """SQLite: ``batches`` multi-row INSERTs with RETURNING and no COPY. PostgreSQL: no
    INSERT at all, ``batches`` COPYs, each after one nextval() batch for its keys."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    if POSTGRESQL:
        assert inserts_into(captured, table) == []
        into_table = [s for s in copies if s.startswith(f'COPY "{table}" ')]
        assert len(into_table) == batches
        # The keys drawn from the sequence go in with the rows.
        assert all(s.startswith(f'COPY "{table}" ("{pk}", ') for s in into_table)
        nextvals = [
            q["sql"]
            for q in captured
            if "nextval(pg_get_serial_sequence" in q["sql"] and f"'{table}', '{pk}'" in q["sql"]
        ]
        assert len(nextvals) == batches
    else:
        assert copies == []
        statements = inserts_into(captured, table)
        assert len(statements) == batches
        assert all(s.endswith(f' RETURNING "{pk}"') for s in statements)


def test_values_come_back_as_written_with_their_history(units, city_admin, copies):
    unit = units["张浦镇工会"]
    cases = new_cases(unit, len(TRICKY_TEXTS), verified_by=city_admin)
    for case, text in zip(cases, TRICKY_TEXTS, strict=True):
        case.notes = text
        case.address = text
        case.employer = text[:100]
        case.phone = text[:20]

    with CaptureQueriesContext(connection) as captured:
        history_ids = insert_with_history(Case, cases, user=city_admin, now=NOW)

    assert_written_by_the_backend_path(captured, copies, Case, batches=1)
    assert_written_by_the_backend_path(captured, copies, HistoricalCase, batches=1)
    stored = {row["id"]: row for row in Case.objects.values("id", *COLUMNS)}
    assert stored == {case.pk: {"id": case.pk, **expected(case)} for case in cases}
    assert [stored[case.pk]["notes"] for case in cases] == TRICKY_TEXTS
    assert str(stored[cases[3].pk]["monthly_income_per_capita"]) == "1000.50"
    assert stored[cases[0].pk]["household_size"] is None
    assert stored[cases[0].pk]["monthly_income_per_capita"] is None
    assert stored[cases[0].pk]["certificate_valid_from"] is None

    history = {
        row["history_id"]: row
        for row in HistoricalCase.objects.values(
            "history_id",
            "id",
            "history_type",
            "history_user_id",
            "history_date",
            "history_change_reason",
            *COLUMNS,
        )
    }
    assert history == {
        history_ids[case.pk]: {
            "history_id": history_ids[case.pk],
            "id": case.pk,
            "history_type": "+",
            "history_user_id": city_admin.pk,
            "history_date": NOW,
            "history_change_reason": None,
            **expected(case),
        }
        for case in cases
    }


def test_keys_are_assigned_in_row_order(units, city_admin):
    cases = new_cases(units["张浦镇工会"], 5)

    history_ids = insert_with_history(Case, cases, user=city_admin, now=NOW)

    keys = [case.pk for case in cases]
    assert None not in keys and len(set(keys)) == 5
    assert all(not case._state.adding for case in cases)
    assert [Case.objects.get(pk=key).name for key in keys] == [f"困难职工{i}" for i in range(5)]
    assert sorted(history_ids) == sorted(keys)
    assert [HistoricalCase.objects.get(history_id=history_ids[key]).id for key in keys] == keys


def test_insert_rows_returns_the_new_keys_in_order(units):
    fields = [Cause._meta.get_field(name) for name in ("code", "name", "sort_order")]
    rows = [["bulk_a", "甲\t原因", 7], ["bulk_b", "乙\\原因", 8], ["bulk_c", "丙\n原因", 9]]

    keys = insert_rows(Cause, fields, rows)

    assert [Cause.objects.values_list("code", "name", "sort_order").get(pk=k) for k in keys] == [
        ("bulk_a", "甲\t原因", 7),
        ("bulk_b", "乙\\原因", 8),
        ("bulk_c", "丙\n原因", 9),
    ]


@pytest.mark.parametrize(("count", "batches"), [(2, 1), (3, 1), (4, 2), (6, 2), (7, 3)])
def test_batches_split_at_the_batch_size(monkeypatch, units, city_admin, copies, count, batches):
    monkeypatch.setattr(bulk, "WRITE_BATCH", 3)
    monkeypatch.setattr(bulk, "COPY_BATCH", 3)
    cases = new_cases(units["张浦镇工会"], count)

    with CaptureQueriesContext(connection) as captured:
        history_ids = insert_with_history(Case, cases, user=city_admin, now=NOW)

    assert_written_by_the_backend_path(captured, copies, Case, batches)
    assert_written_by_the_backend_path(captured, copies, HistoricalCase, batches)
    stored = {row["id"]: row for row in Case.objects.values("id", *COLUMNS)}
    assert stored == {case.pk: {"id": case.pk, **expected(case)} for case in cases}
    assert len(set(history_ids.values())) == count
    assert HistoricalCase.objects.filter(history_type="+").count() == count


@pytest.mark.skipif(POSTGRESQL, reason="COPY sends no query parameters")
def test_a_multi_row_insert_stays_under_the_parameter_limit(monkeypatch, units, city_admin):
    columns = len([f for f in Case._meta.concrete_fields if not f.primary_key])
    # Room for two rows' parameters and not three.
    monkeypatch.setattr(type(connection.features), "max_query_params", 3 * columns - 1)
    cases = new_cases(units["张浦镇工会"], 5)

    with CaptureQueriesContext(connection) as captured:
        insert_with_history(Case, cases, user=city_admin, now=NOW)

    assert len(inserts_into(captured, "cases_case")) == math.ceil(5 / 2)
    assert sorted(Case.objects.values_list("name", flat=True)) == [
        f"困难职工{i}" for i in range(5)
    ]


def test_links_are_written_without_returning_keys(units, copies):
    case = new_cases(units["张浦镇工会"], 1)[0]
    insert_with_history(Case, [case], user=None, now=NOW)
    through = Case.causes.through
    fields = [through._meta.get_field("case"), through._meta.get_field("cause")]
    causes = list(Cause.objects.filter(name__in=["因病", "子女就学"]))

    with CaptureQueriesContext(connection) as captured:
        keys = insert_rows(through, fields, ([case.pk, c.pk] for c in causes), returning=False)

    assert keys == []
    assert sorted(case.causes.values_list("name", flat=True)) == sorted(["因病", "子女就学"])
    table = through._meta.db_table
    if POSTGRESQL:
        assert copies[-1] == f'COPY "{table}" ("case_id", "cause_id") FROM STDIN'
        assert not any("nextval" in q["sql"] for q in captured)
    else:
        [statement] = inserts_into(captured, table)
        assert "RETURNING" not in statement


def test_update_rows_writes_only_the_named_columns(units, city_admin):
    cases = new_cases(units["张浦镇工会"], 3)
    insert_with_history(Case, cases, user=city_admin, now=NOW)
    for case, text in zip(cases, ["引号\"'", "制表\t换行\n反斜杠\\", "\\N"], strict=True):
        case.notes = text
        case.household_size = None
        case.monthly_income_per_capita = Decimal("12.30")
        case.name = "不该写入"

    with CaptureQueriesContext(connection) as captured:
        update_rows(Case, ["notes", "household_size", "monthly_income_per_capita"], cases)

    # One executemany: one statement for every row.
    assert [q["sql"] for q in captured.captured_queries] == [
        '3 times: UPDATE "cases_case" SET "notes" = %s, "household_size" = %s, '
        '"monthly_income_per_capita" = %s WHERE "id" = %s'
    ]
    stored = Case.objects.in_bulk([case.pk for case in cases])
    assert [
        (stored[c.pk].notes, stored[c.pk].household_size, stored[c.pk].monthly_income_per_capita)
        for c in cases
    ] == [
        ("引号\"'", None, Decimal("12.30")),
        ("制表\t换行\n反斜杠\\", None, Decimal("12.30")),
        ("\\N", None, Decimal("12.30")),
    ]
    assert [stored[c.pk].name for c in cases] == [f"困难职工{i}" for i in range(3)]


def test_update_rows_with_nothing_to_write_sends_no_query(units, city_admin):
    cases = new_cases(units["张浦镇工会"], 1)
    insert_with_history(Case, cases, user=city_admin, now=NOW)

    with CaptureQueriesContext(connection) as captured:
        update_rows(Case, [], cases)
        update_rows(Case, ["notes"], [])

    assert captured.captured_queries == []


def test_insert_history_records_a_change(units, city_admin, kunshan_clerk):
    cases = new_cases(units["张浦镇工会"], 2)
    created = insert_with_history(Case, cases, user=city_admin, now=NOW)
    later = NOW + datetime.timedelta(days=1)
    for case in cases:
        case.notes = "复核：\t仍困难\n"
        case.updated_at = later
    update_rows(Case, ["notes", "updated_at"], cases)

    changed = insert_history(Case, cases, "~", user=kunshan_clerk, now=later)

    assert sorted(changed) == sorted(case.pk for case in cases)
    assert set(changed.values()).isdisjoint(created.values())
    rows = HistoricalCase.objects.filter(history_id__in=changed.values()).values(
        "id", "history_type", "history_user_id", "history_date", *COLUMNS
    )
    assert sorted(rows, key=lambda row: row["id"]) == [
        {
            "id": case.pk,
            "history_type": "~",
            "history_user_id": kunshan_clerk.pk,
            "history_date": later,
            **expected(case),
        }
        for case in sorted(cases, key=lambda case: case.pk)
    ]
    assert [row.notes for row in Case.history.filter(id=cases[0].pk)] == ["复核：\t仍困难\n", ""]


def test_no_history_is_written_when_history_is_off(settings, units):
    settings.SIMPLE_HISTORY_ENABLED = False
    cases = new_cases(units["张浦镇工会"], 2)

    history_ids = insert_with_history(Case, cases, user=None, now=NOW)

    assert history_ids == {}
    assert Case.objects.count() == 2
    assert HistoricalCase.objects.count() == 0


def test_a_model_without_history_is_written_without_any():
    causes = [Cause(code="bulk_x", name="批量原因", sort_order=99)]

    assert insert_with_history(Cause, causes, user=None, now=NOW) == {}
    assert Cause.objects.get(pk=causes[0].pk).name == "批量原因"


def test_the_history_keeps_a_file_by_its_name(units, city_admin):
    unit = units["张浦镇工会"]
    sponsor = SponsorFactory(unit=unit)
    agreements = [
        AgreementFactory.build(unit=unit, sponsor=sponsor, document="agreements/2007/协议 甲.pdf"),
        AgreementFactory.build(unit=unit, sponsor=sponsor),
    ]

    history_ids = insert_with_history(Agreement, agreements, user=city_admin, now=NOW)

    assert [Agreement.objects.get(pk=a.pk).document.name for a in agreements] == [
        "agreements/2007/协议 甲.pdf",
        "",
    ]
    history = Agreement.history.model.objects
    assert [history.get(history_id=history_ids[a.pk]).document for a in agreements] == [
        "agreements/2007/协议 甲.pdf",
        "",
    ]


def test_a_refused_row_rolls_back_every_batch(monkeypatch, units, city_admin, copies):
    monkeypatch.setattr(bulk, "WRITE_BATCH", 3)
    monkeypatch.setattr(bulk, "COPY_BATCH", 3)
    cases = new_cases(units["张浦镇工会"], 7)
    cases[4].household_size = 0  # in the second batch: case_household_size_positive

    with (
        CaptureQueriesContext(connection) as captured,
        pytest.raises(IntegrityError) as error,
        transaction.atomic(),
    ):
        insert_with_history(Case, cases, user=city_admin, now=NOW)

    if POSTGRESQL:
        assert str(error.value).splitlines()[0] == (
            'new row for relation "cases_case" violates check constraint '
            '"case_household_size_positive"'
        )
        # The first batch went in before the second failed.
        assert len([s for s in copies if s.startswith('COPY "cases_case" ')]) == 2
    else:
        assert str(error.value) == "CHECK constraint failed: case_household_size_positive"
        assert len(inserts_into(captured, "cases_case")) == 2
    assert Case.objects.count() == 0
    assert HistoricalCase.objects.count() == 0


def test_a_later_failure_rolls_back_what_was_written(units, city_admin):
    cases = new_cases(units["张浦镇工会"], 3)

    with (
        pytest.raises(RuntimeError, match="^the import failed after writing$"),
        transaction.atomic(),
    ):
        insert_with_history(Case, cases, user=city_admin, now=NOW)
        assert Case.objects.count() == 3
        raise RuntimeError("the import failed after writing")

    assert Case.objects.count() == 0
    assert HistoricalCase.objects.count() == 0


def test_values_of_gives_each_instance_its_values_then_the_tail():
    causes = [Cause(code="a", name="甲", sort_order=1), Cause(code="b", name="乙", sort_order=2)]
    fields = [Cause._meta.get_field("code"), Cause._meta.get_field("name")]

    assert list(bulk.values_of(causes, fields, ("尾",))) == [["a", "甲", "尾"], ["b", "乙", "尾"]]
    assert list(bulk.values_of(causes, fields[:1])) == [["a"], ["b"]]
