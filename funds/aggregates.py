"""Keeping ``DisbursementDay`` and ``DisbursementCaseYear`` equal to the raw disbursements.

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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

CHUNK = 2000
DAY_TABLE = "funds_disbursementday"
CASE_YEAR_TABLE = "funds_disbursementcaseyear"
DAY_KEYS = ["paying_unit_id", "day", "kind", "fund_key", "campaign_key"]
DAY_MEASURES = ["count", "cash_fen", "goods_fen", "unsigned", "off_file"]
CASE_YEAR_KEYS = ["case_id", "paying_unit_id", "year", "campaign_key"]
CASE_YEAR_MEASURES = ["count", "cash_fen", "goods_fen"]


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
    return {
        DAY_TABLE: (DAY_KEYS, DAY_MEASURES, day),
        CASE_YEAR_TABLE: (CASE_YEAR_KEYS, CASE_YEAR_MEASURES, case_year),
    }


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
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        where = f"AND d.id IN ({', '.join(['%s'] * len(chunk))})"
        for table, (keys, measures, select) in _selects(connection).items():
            _upsert(
                connection, table, keys, measures, select.format(sign=sign, where=where), chunk
            )


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


def _rows(conn, sql: str, width: int) -> dict[tuple, tuple]:
    with conn.cursor() as cursor:
        cursor.execute(sql)
        out = {}
        for row in cursor.fetchall():
            key = tuple(str(v) for v in row[:width])
            measures = tuple(int(v) for v in row[width:])
            if any(measures):
                out[key] = measures
        return out


def differences() -> list[Difference]:
    """Every aggregate row that differs from the raw computation (zero rows ignored)."""
    found = []
    qn = connection.ops.quote_name
    for table, (keys, measures, select) in _selects(connection).items():
        computed = _rows(connection, select.format(sign=1, where=""), len(keys))
        columns = ", ".join(qn(c) for c in [*keys, *measures])
        stored = _rows(connection, f"SELECT {columns} FROM {table}", len(keys))
        zeros = (0,) * len(measures)
        for key in sorted(set(computed) | set(stored)):
            if computed.get(key) != stored.get(key):
                found.append(
                    Difference(table, key, stored.get(key, zeros), computed.get(key, zeros))
                )
    return found


def rebuild(conn=None) -> None:
    """Replace the aggregates with the raw computation (the migration and the command)."""
    conn = conn or connection
    qn = conn.ops.quote_name
    with transaction.atomic(using=conn.alias):
        for table, (keys, measures, select) in _selects(conn).items():
            with conn.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")
                columns = ", ".join(qn(c) for c in [*keys, *measures])
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) {select.format(sign=1, where='')}"
                )
