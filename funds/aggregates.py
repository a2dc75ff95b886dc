"""Keeping the maintained aggregates equal to the raw disbursements: ``DisbursementDay``,
``DisbursementCaseYear``, and ``DisbursementPersonUnit`` with ``DisbursementUnitTotal``
(人数 of a unit's whole tree, all years, as a stored number).

Every write to disbursements goes through ``moved``: the rows' contributions are taken
out of the aggregates before the write and put back after it, each as one
``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` adding to the counters. That is a
row-level upsert, safe when two clerks post at once on PostgreSQL (the second waits for
the first's row lock and adds to its result), and works on SQLite. It is the same for a
posting (nothing before), a reversal (nothing after), a signed receipt and a sheet's
changed rows, so no write path needs its own arithmetic.

Rows whose counters fall to zero stay (a later posting reuses them); readers skip
``count = 0`` and ``rebuild`` removes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.db import connection, transaction

CHUNK = 2000
# ``year`` of the person × unit and unit × year rows that hold all years.
ALL_YEARS = 0
DAY_TABLE = "funds_disbursementday"
CASE_YEAR_TABLE = "funds_disbursementcaseyear"
DAY_KEYS = ["paying_unit_id", "day", "kind", "fund_key", "campaign_key"]
DAY_MEASURES = ["count", "cash_fen", "goods_fen", "unsigned", "off_file"]
CASE_YEAR_KEYS = ["case_id", "paying_unit_id", "year", "campaign_key"]
CASE_YEAR_MEASURES = ["count", "cash_fen", "goods_fen"]
PERSON_TABLE = "funds_disbursementpersonunit"
TOTAL_TABLE = "funds_disbursementunittotal"
GROUP_TABLE = "funds_disbursementunityear"
# The person rows' key is (case, unit, own, year); the category and 困难类型 they are
# counted under are compared as part of it, so a row left under an old one is a difference.
PERSON_KEYS = ["case_id", "unit_id", "own", "year"]
PERSON_CLASS = ["category", "hardship_type"]
PERSON_MEASURES = ["count", "cash_fen", "goods_fen"]
TOTAL_KEYS = ["unit_id", "own"]
TOTAL_MEASURES = ["people", "count", "cash_fen", "goods_fen", "unsigned", "off_file"]
GROUP_KEYS = ["unit_id", "own", "year", "category", "hardship_type"]
GROUP_MEASURES = ["people", "count", "cash_fen", "goods_fen"]
# Per case, the disbursements not reversed: 从未帮扶 in the case census (funds.census).
CASE_AID_TABLE = "funds_caseaid"
CASE_AID_KEYS = ["case_id"]
CASE_AID_MEASURES = ["count"]
UNSIGNED = "SUM(CASE WHEN d.receipt_signed THEN 0 ELSE 1 END)"
OFF_FILE = "SUM(CASE WHEN d.case_on_file_when_paid THEN 0 ELSE 1 END)"
VALUES_CHUNK = 500


def _year(conn) -> str:
    if conn.vendor == "postgresql":
        return "CAST(EXTRACT(YEAR FROM d.disbursed_on) AS INTEGER)"
    # SQLite keeps dates as 'YYYY-MM-DD' text. No strftime('%Y'): a literal % in SQL run
    # with parameters breaks Django's debug cursor (DEBUG on, `make run`'s demo).
    return "CAST(substr(d.disbursed_on, 1, 4) AS INTEGER)"


def _fen(expression: str) -> str:
    return f"COALESCE(SUM(CAST(ROUND(({expression}) * 100) AS BIGINT)), 0)"


def _selects(conn) -> dict[str, tuple[list[str], list[str], str]]:
    """Per table: keys, measures, and the SELECT computing them from disbursements ``d``
    (``{sign}`` and ``{where}`` to fill in)."""
    common = (
        f"{{sign}} * COUNT(*), {{sign}} * {_fen('d.cash_amount')}, "
        f"{{sign}} * {_fen('d.quantity * d.unit_value')}"
    )
    day = (
        "SELECT d.paying_unit_id, d.disbursed_on, d.kind, COALESCE(d.fund_id, 0), "
        f"COALESCE(d.campaign_id, 0), {common}, "
        "{sign} * SUM(CASE WHEN d.receipt_signed THEN 0 ELSE 1 END), "
        "{sign} * SUM(CASE WHEN d.case_on_file_when_paid THEN 0 ELSE 1 END) "
        "FROM funds_disbursement d WHERE NOT d.is_reversed {where} "
        "GROUP BY d.paying_unit_id, d.disbursed_on, d.kind, COALESCE(d.fund_id, 0), "
        "COALESCE(d.campaign_id, 0) ORDER BY 1, 2, 3, 4, 5"
    )
    year = _year(conn)
    case_year = (
        f"SELECT d.case_id, d.paying_unit_id, {year}, COALESCE(d.campaign_id, 0), {common} "
        "FROM funds_disbursement d WHERE NOT d.is_reversed {where} "
        f"GROUP BY d.case_id, d.paying_unit_id, {year}, COALESCE(d.campaign_id, 0) "
        "ORDER BY 1, 2, 3, 4"
    )
    # Per person × unit (own, and with every unit below it) × year, and all years (0),
    # from the raw rows: the disbursements grouped per person, paying unit and year,
    # joined with each paying unit's units above it (a few hundred units: ``x`` is tiny),
    # then with the case for the category and type the person is counted under.
    people = (
        f"WITH g AS (SELECT d.case_id, d.paying_unit_id, {year} AS year, COUNT(*) AS n, "
        f"{_fen('d.cash_amount')} AS cash, {_fen('d.quantity * d.unit_value')} AS goods, "
        f"{UNSIGNED} AS unsigned, {OFF_FILE} AS off_file "
        "FROM funds_disbursement d WHERE NOT d.is_reversed "
        f"GROUP BY d.case_id, d.paying_unit_id, {year}), "
        "x AS (SELECT p.id AS unit_id, a.id AS above_id FROM unions_unionunit p "
        "JOIN unions_unionunit a ON substr(p.tree_path, 1, length(a.tree_path)) = a.tree_path), "
        "u AS (SELECT g.case_id, g.paying_unit_id AS unit_id, TRUE AS own, g.year, g.n, "
        "g.cash, g.goods, g.unsigned, g.off_file FROM g UNION ALL SELECT g.case_id, "
        "x.above_id, FALSE, g.year, SUM(g.n), SUM(g.cash), SUM(g.goods), SUM(g.unsigned), "
        "SUM(g.off_file) FROM g JOIN x ON x.unit_id = g.paying_unit_id "
        "GROUP BY g.case_id, x.above_id, g.year), "
        "r AS (SELECT case_id, unit_id, own, year, n, cash, goods, unsigned, off_file FROM u "
        f"UNION ALL SELECT case_id, unit_id, own, {ALL_YEARS}, SUM(n), SUM(cash), SUM(goods), "
        "SUM(unsigned), SUM(off_file) FROM u GROUP BY case_id, unit_id, own), "
        "rc AS (SELECT r.case_id, r.unit_id, r.own, r.year, c.category, c.hardship_type, "
        "r.n, r.cash, r.goods FROM r JOIN cases_case c ON c.id = r.case_id) "
    )
    case_aid = (
        "SELECT d.case_id, {sign} * COUNT(*) FROM funds_disbursement d "
        "WHERE NOT d.is_reversed {where} GROUP BY d.case_id ORDER BY 1"
    )
    return {
        DAY_TABLE: (DAY_KEYS, DAY_MEASURES, day),
        CASE_AID_TABLE: (CASE_AID_KEYS, CASE_AID_MEASURES, case_aid),
        CASE_YEAR_TABLE: (CASE_YEAR_KEYS, CASE_YEAR_MEASURES, case_year),
        PERSON_TABLE: (
            [*PERSON_KEYS, *PERSON_CLASS],
            PERSON_MEASURES,
            people + "SELECT case_id, unit_id, own, year, category, hardship_type, n, cash, "
            "goods FROM rc ORDER BY 1, 2, 3, 4",
        ),
        TOTAL_TABLE: (
            TOTAL_KEYS,
            TOTAL_MEASURES,
            people + "SELECT unit_id, own, COUNT(*), SUM(n), SUM(cash), SUM(goods), "
            f"SUM(unsigned), SUM(off_file) FROM r WHERE year = {ALL_YEARS} "
            "GROUP BY unit_id, own ORDER BY 1, 2",
        ),
        GROUP_TABLE: (
            GROUP_KEYS,
            GROUP_MEASURES,
            people + "SELECT unit_id, own, year, category, hardship_type, COUNT(*), SUM(n), "
            "SUM(cash), SUM(goods) FROM rc GROUP BY unit_id, own, year, category, "
            "hardship_type ORDER BY 1, 2, 3, 4, 5",
        ),
    }


def unit_chains(paths: dict[int, str] | None = None) -> dict[int, list[int]]:
    """Per union unit, the pks of its tree path: the city union first, the unit last
    (a path is the zero-padded pks of the units above and of the unit, each with a /)."""
    if paths is None:
        from unions.models import UnionUnit

        paths = dict(UnionUnit.objects.values_list("pk", "tree_path"))
    return {pk: [int(part) for part in path.split("/") if part] for pk, path in paths.items()}


def _values_upsert(
    conn, table: str, keys, columns, rows: list[tuple], returning=False, added=None
):
    """``rows`` (keys then ``columns``) added to ``table``: a new row is inserted as
    given, an existing one has ``added`` (default: every column) increased by the row's
    values and keeps the rest. With ``returning``, the rows' keys and columns after."""
    qn = conn.ops.quote_name
    added = columns if added is None else added
    names = ", ".join(qn(c) for c in [*keys, *columns])
    updates = ", ".join(f"{qn(m)} = {table}.{qn(m)} + excluded.{qn(m)}" for m in added)
    row_sql = "(" + ", ".join(["%s"] * (len(keys) + len(columns))) + ")"
    out = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), VALUES_CHUNK):
            part = rows[start : start + VALUES_CHUNK]
            sql = (
                f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(part))} "
                f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET {updates}"
            )
            if returning:
                sql += f" RETURNING {names}"
            cursor.execute(sql, [value for row in part for value in row])
            if returning:
                out += cursor.fetchall()
    return out


def _lock_cases(conn, chunk: list[int]) -> None:
    """The cases of disbursements ``chunk`` held against a change of their category or
    type, status, unit or review dates until the transaction ends (PostgreSQL): a posting
    then reads the class a concurrent change leaves, that change's ``reclassify`` sees
    the posting's rows, and the case census's triggers (``funds.census``) read the
    other's result on either side."""
    if conn.vendor != "postgresql":
        return  # SQLite writes one transaction at a time
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM cases_case WHERE id IN (SELECT case_id FROM funds_disbursement "
            f"WHERE id IN ({', '.join(['%s'] * len(chunk))})) ORDER BY id FOR SHARE",
            chunk,
        )


def _add_people(conn, chunk: list[int], sign: int, chains: dict[int, list[int]]) -> None:
    """The person × unit × year rows, the unit totals and the unit × year breakdown of
    disbursements ``chunk``.

    A unit's 人数 changes when one of its person rows crosses zero. Whether it did is
    read from the row as the upsert left it (``RETURNING``), under the row's lock: two
    clerks paying one person at once are put in turn by that lock, and the second sees
    the first's count, so the person is counted once. The row also says which category
    and type the person is counted under (the case's when the row was made, kept right
    by ``reclassify``). The caller holds the cases (``_lock_cases``)."""
    year = _year(conn)
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT d.case_id, d.paying_unit_id, {year}, c.category, c.hardship_type, "
            f"COUNT(*), {_fen('d.cash_amount')}, {_fen('d.quantity * d.unit_value')}, "
            f"{UNSIGNED}, {OFF_FILE} "
            "FROM funds_disbursement d JOIN cases_case c ON c.id = d.case_id "
            f"WHERE NOT d.is_reversed AND d.id IN ({', '.join(['%s'] * len(chunk))}) "
            f"GROUP BY d.case_id, d.paying_unit_id, {year}, c.category, c.hardship_type",
            chunk,
        )
        grouped = cursor.fetchall()
    if not grouped:
        return
    if any(unit not in chains for _case, unit, *_rest in grouped):
        chains.update(unit_chains())
    # Person rows: key -> [count, cash, goods], and the class a new row is made with.
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    made_as: dict[tuple, tuple[str, str]] = {}
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(TOTAL_MEASURES))
    for case_id, unit_id, paid_in, category, hardship_type, *measures in grouped:
        n, cash, goods, unsigned, off_file = (sign * int(value) for value in measures)
        for unit_key in [(unit_id, True), *((above, False) for above in chains[unit_id])]:
            for period in (ALL_YEARS, int(paid_in)):
                key = (case_id, *unit_key, period)
                row = rows[key]
                row[0] += n
                row[1] += cash
                row[2] += goods
                made_as[key] = (category, hardship_type)
            total = totals[unit_key]  # people (0) comes below
            for index, value in enumerate((n, cash, goods, unsigned, off_file), start=1):
                total[index] += value
    after = _values_upsert(
        conn,
        PERSON_TABLE,
        PERSON_KEYS,
        PERSON_CLASS + PERSON_MEASURES,
        [(*key, *made_as[key], *measures) for key, measures in sorted(rows.items())],
        returning=True,
        added=PERSON_MEASURES,
    )
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(GROUP_MEASURES))
    for case_id, unit_id, own, period, category, hardship_type, new, *_money in after:
        key = (case_id, unit_id, bool(own), period)
        n, cash, goods = rows[key]
        old = new - n
        crossed = 1 if old <= 0 < new else -1 if new <= 0 < old else 0
        if period == ALL_YEARS:
            totals[(unit_id, bool(own))][0] += crossed
        group = groups[(unit_id, bool(own), period, category, hardship_type)]
        group[0] += crossed
        group[1] += n
        group[2] += cash
        group[3] += goods
    _values_upsert(
        conn,
        TOTAL_TABLE,
        TOTAL_KEYS,
        TOTAL_MEASURES,
        [(*key, *measures) for key, measures in sorted(totals.items())],
    )
    _values_upsert(
        conn,
        GROUP_TABLE,
        GROUP_KEYS,
        GROUP_MEASURES,
        [(*key, *measures) for key, measures in sorted(groups.items())],
    )


def reclassify(case_ids: Iterable[int] | None = None) -> int:
    """Move the person rows of cases whose category or 困难类型 changed (``case_ids``, or
    every case when None: a set-based re-evaluation) to the breakdown's cells of the new
    ones; returns how many rows moved. Idempotent: rows already right are not read twice.

    Called in the transaction of the change: a case saved (``funds.signals``), a case
    sheet written, a re-evaluation (``cases.signals.cases_reclassified``)."""
    conn = connection
    lock = " FOR UPDATE OF p" if conn.vendor == "postgresql" else ""
    drifted = (
        "SELECT p.id, p.unit_id, p.own, p.year, p.category, p.hardship_type, p.count, "
        "p.cash_fen, p.goods_fen, c.category, c.hardship_type "
        "FROM funds_disbursementpersonunit p JOIN cases_case c ON c.id = p.case_id "
        "WHERE (p.category <> c.category OR p.hardship_type <> c.hardship_type)"
    )
    batches: list[tuple[str, list]] = []
    if case_ids is None:
        batches.append((drifted + lock, []))
    else:
        ids = sorted(set(case_ids))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            batches.append(
                (f"{drifted} AND p.case_id IN ({', '.join(['%s'] * len(chunk))}){lock}", chunk)
            )
    moved = 0
    with transaction.atomic():
        for sql, params in batches:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                found = cursor.fetchall()
            if not found:
                continue
            groups: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(GROUP_MEASURES))
            to_class: dict[tuple[str, str], list[int]] = defaultdict(list)
            for pk, unit_id, own, period, old_c, old_t, n, cash, goods, new_c, new_t in found:
                person = (1 if n > 0 else 0, n, cash, goods)
                for class_key, sign in (((old_c, old_t), -1), ((new_c, new_t), 1)):
                    group = groups[(unit_id, bool(own), period, *class_key)]
                    for index, value in enumerate(person):
                        group[index] += sign * value
                to_class[(new_c, new_t)].append(pk)
            _values_upsert(
                conn,
                GROUP_TABLE,
                GROUP_KEYS,
                GROUP_MEASURES,
                [(*key, *measures) for key, measures in sorted(groups.items())],
            )
            with conn.cursor() as cursor:
                for (category, hardship_type), pks in to_class.items():
                    for start in range(0, len(pks), CHUNK):
                        part = pks[start : start + CHUNK]
                        cursor.execute(
                            f"UPDATE {PERSON_TABLE} SET category = %s, hardship_type = %s "
                            f"WHERE id IN ({', '.join(['%s'] * len(part))})",
                            [category, hardship_type, *part],
                        )
            moved += len(found)
    return moved


def _upsert(conn, table: str, keys, measures, select: str, params) -> None:
    qn = conn.ops.quote_name
    columns = ", ".join(qn(c) for c in [*keys, *measures])
    updates = ", ".join(f"{qn(m)} = {table}.{qn(m)} + excluded.{qn(m)}" for m in measures)
    sql = (
        f"INSERT INTO {table} ({columns}) {select} "
        f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET {updates}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, params)


def add(pks: Iterable[int], sign: int = 1) -> None:
    """Add (``sign=1``) or take out (``-1``) the unreversed disbursements ``pks``."""
    if sign not in (1, -1):
        raise ValueError("sign is 1 or -1")
    pks = sorted({pk for pk in pks if pk is not None})
    chains: dict[int, list[int]] = {}
    selects = _selects(connection)
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        # Before any counter: a posting's cases are held against a concurrent change of
        # their class or of what the case census reads (funds.census).
        _lock_cases(connection, chunk)
        where = f"AND d.id IN ({', '.join(['%s'] * len(chunk))})"
        for table in (DAY_TABLE, CASE_YEAR_TABLE, CASE_AID_TABLE):
            keys, measures, select = selects[table]
            _upsert(
                connection, table, keys, measures, select.format(sign=sign, where=where), chunk
            )
        _add_people(connection, chunk, sign, chains)


def add_people(pks: Iterable[int], sign: int, chains: dict[int, list[int]]) -> None:
    """Only the person × unit tables, with the units' paths given (a unit being moved)."""
    pks = sorted({pk for pk in pks if pk is not None})
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        _lock_cases(connection, chunk)
        _add_people(connection, chunk, sign, chains)


@contextmanager
def moved(pks: Iterable[int]) -> Iterator[None]:
    """Around a change to existing disbursements ``pks``: out before, back in after."""
    pks = list(pks)
    with transaction.atomic():
        add(pks, -1)
        yield
        add(pks, 1)


# --- recomputing from the raw rows --------------------------------------------------------


@dataclass
class Difference:
    table: str
    key: tuple
    stored: tuple
    computed: tuple

    def __str__(self) -> str:
        return f"{self.table} {self.key}: stored {self.stored}, computed {self.computed}"


def _differing(conn, table: str, keys, measures, select: str) -> Iterator[Difference]:
    """The rows of ``table`` that differ from ``select``'s, found by the database (a full
    outer join on the keys, zero rows ignored) and read in batches: at city scale after a
    bulk load every row differs (21.7 million), which no process could hold."""
    qn = conn.ops.quote_name
    n, w = len(keys), len(measures)
    names = ", ".join([*(f"k{i}" for i in range(n)), *(f"m{i}" for i in range(w))])
    on = " AND ".join(f"c.k{i} = s.k{i}" for i in range(n))
    sql = (
        f"WITH c ({names}) AS ({select.format(sign=1, where='')}), "
        f"s ({names}) AS (SELECT {', '.join(qn(c) for c in [*keys, *measures])} FROM {table}) "
        f"SELECT {', '.join(f'COALESCE(c.k{i}, s.k{i})' for i in range(n))}, "
        f"{', '.join(f'COALESCE(s.m{i}, 0)' for i in range(w))}, "
        f"{', '.join(f'COALESCE(c.m{i}, 0)' for i in range(w))} "
        f"FROM c FULL OUTER JOIN s ON {on} "
        f"WHERE {' OR '.join(f'COALESCE(c.m{i}, 0) <> COALESCE(s.m{i}, 0)' for i in range(w))} "
        f"ORDER BY {', '.join(str(i + 1) for i in range(n))}"
    )
    with conn.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            for row in rows:
                # Booleans as 0/1: SQLite hands a declared boolean column back as a bool
                # and a computed TRUE as 1.
                key = tuple(str(int(v)) if isinstance(v, bool) else str(v) for v in row[:n])
                yield Difference(
                    table,
                    key,
                    tuple(int(v) for v in row[n : n + w]),
                    tuple(int(v) for v in row[n + w :]),
                )


def iter_differences() -> Iterator[Difference]:
    """Every aggregate row that differs from the raw computation (zero rows ignored),
    the case census (``funds.census``), the duplicate-ID candidates and the files per
    registration year included, one at a time."""
    from cases import registration_years, shared_ids
    from funds import census

    # The duplicate-ID candidates only grow (cases.shared_ids): a number shared now and
    # missing from them is a difference; a stale one is not.
    for number in shared_ids.missing(connection):
        yield Difference(shared_ids.TABLE, (number,), (0,), (1,))
    tables = {
        **_selects(connection),
        census.CENSUS_TABLE: (
            census.CENSUS_KEYS,
            census.CENSUS_MEASURES,
            census.computed_select(connection),
        ),
        registration_years.TABLE: (
            registration_years.KEYS,
            registration_years.MEASURES,
            registration_years.computed_select(connection),
        ),
    }
    for table, (keys, measures, select) in tables.items():
        yield from _differing(connection, table, keys, measures, select)


def differences() -> list[Difference]:
    """``iter_differences`` as a list (the tests; the command streams them)."""
    return list(iter_differences())


def rebuild(conn=None, tables: Iterable[str] | None = None) -> None:
    """Replace the aggregates (or only ``tables``) with the raw computation (the
    migrations and the command); with every table, the case census last (it reads
    ``funds_caseaid``), the duplicate-ID candidates (``cases.shared_ids``) and the files
    per registration year (``cases.registration_years``)."""
    from cases import registration_years, shared_ids
    from funds import census

    conn = conn or connection
    qn = conn.ops.quote_name
    wanted = set(tables) if tables is not None else None
    census_too = wanted is None or census.CENSUS_TABLE in wanted
    with transaction.atomic(using=conn.alias):
        # The census's triggers on funds_caseaid would move each file as its row is put
        # back; the census is rebuilt from scratch next, so they are off meanwhile.
        with census.TRIGGERS.paused(conn) if census_too else nullcontext():
            for table, (keys, measures, select) in _selects(conn).items():
                if wanted is not None and table not in wanted:
                    continue
                with conn.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {table}")
                    columns = ", ".join(qn(c) for c in [*keys, *measures])
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) {select.format(sign=1, where='')}"
                    )
        if census_too:
            census.rebuild(conn)
        if wanted is None or registration_years.TABLE in wanted:
            registration_years.rebuild(conn)
        if wanted is None:
            shared_ids.rebuild(conn)
