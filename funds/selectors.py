"""Reads of disbursements for the pages: totals from the maintained aggregates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.admin.views.main import IGNORED_PARAMS
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from cases.models import ACTIVE_STATUSES, Case, CaseStatus
from core.money import format_yuan
from funds.aggregates import ALL_YEARS
from funds.models import (
    CaseCensus,
    Disbursement,
    DisbursementCaseYear,
    DisbursementDay,
    DisbursementPersonUnit,
    DisbursementUnitTotal,
    DisbursementUnitYear,
    LedgerEntry,
)
from unions.models import UnionUnit
from unions.querysets import unit_scope_for

# tree_path holds one zero-padded pk and a slash per level; the reports group by the
# first two levels (the city union, and the district-level unit).
DISTRICT_PATH_LENGTH = 2 * (UnionUnit.PATH_STEP + 1)

# The disbursement list's filters (admin lookup → aggregate column) each aggregate
# answers exactly. DisbursementDay (count, cash, goods) is kept per paying unit × day ×
# kind × fund × campaign; DisbursementCaseYear (人数, distinct people) per person × paying
# unit × year × campaign, so a fund, kind, month or day filter counts people on the raw
# rows. A search, the receipt or reversed filters, or anything else: raw rows for all.
DAY_FILTERS = {
    "paying_unit__id__exact": "paying_unit_id",
    "fund__id__exact": "fund_key",
    "campaign__id__exact": "campaign_key",
    "kind__exact": "kind",
    "disbursed_on__year": "day__year",
    "disbursed_on__month": "day__month",
    "disbursed_on__day": "day__day",
}
PEOPLE_FILTERS = {
    "paying_unit__id__exact": "paying_unit_id",
    "campaign__id__exact": "campaign_key",
    "disbursed_on__year": "year",
}


def _lookups(params: Mapping[str, list[str]], known: dict[str, str]) -> dict[str, str] | None:
    """``params`` as filters on an aggregate, or None if one of them is not answerable."""
    out = {}
    for name, values in params.items():
        if name in IGNORED_PARAMS or name == "_facets":
            continue
        if (
            name not in known
            or len(values) != 1
            or not values[0].isdigit()
            and name != "kind__exact"
        ):
            return None
        out[known[name]] = values[0]
    return out


def disbursement_totals(
    *, queryset: QuerySet[Disbursement], user, params: Mapping[str, list[str]], search: str = ""
) -> dict:
    """Count, 人数, cash and goods of the disbursement list (``queryset``: scoped,
    filtered and searched; ``params``: its filters), unreversed ones only."""
    day = None if search else _lookups(params, DAY_FILTERS)
    people_filters = None if search else _lookups(params, PEOPLE_FILTERS)
    if day is not None and set(day) <= {"paying_unit_id"}:
        # The whole scope, or one paying unit: stored totals, 人数 included (one row).
        whole = _unit_totals(user, day.get("paying_unit_id"))
        if whole is not None:
            return {
                "count": whole.count,
                "people": whole.people,
                "cash": whole.cash,
                "goods": whole.goods,
            }
    if day is not None and set(day) == {"day__year"} | (set(day) & {"paying_unit_id"}):
        # One year of the whole scope or of one paying unit: the stored breakdown.
        year = _unit_year_totals(user, day.get("paying_unit_id"), int(day["day__year"]))
        if year is not None:
            return year
    raw = queryset.filter(is_reversed=False).order_by()
    if day is None:
        totals = raw.aggregate(
            count=Count("pk"), cash=Sum("cash_amount"), goods=Sum("goods_total")
        )
        count, cash, goods = totals["count"], totals["cash"] or 0, totals["goods"] or 0
    else:
        totals = (
            DisbursementDay.objects.for_user_listed(user)
            .filter(**day)
            .aggregate(count=Sum("count"), cash=Sum("cash_fen"), goods=Sum("goods_fen"))
        )
        count = int(totals["count"] or 0)
        cash, goods = _yuan(totals["cash"]), _yuan(totals["goods"])
    if people_filters is None:
        people = raw.aggregate(people=Count("case", distinct=True))["people"]
    else:
        people = (
            DisbursementCaseYear.objects.for_user_listed(user)
            .filter(count__gt=0, **people_filters)
            .aggregate(people=Count("case", distinct=True))["people"]
        )
    return {"count": count, "people": people, "cash": Decimal(cash), "goods": Decimal(goods)}


def _yuan(fen) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01"))


# --- totals of whole trees of units, all years (DisbursementUnitTotal) ---------------------


@dataclass
class TreeTotals:
    people: int = 0
    count: int = 0
    cash: Decimal = Decimal("0.00")
    goods: Decimal = Decimal("0.00")
    unsigned: int = 0
    off_file: int = 0

    @classmethod
    def of(cls, row: DisbursementUnitTotal | None) -> TreeTotals:
        if row is None:
            return cls()
        return cls(
            people=int(row.people),
            count=int(row.count),
            cash=_yuan(row.cash_fen),
            goods=_yuan(row.goods_fen),
            unsigned=int(row.unsigned),
            off_file=int(row.off_file),
        )


def _scope(user) -> tuple[list[UnionUnit], list[UnionUnit]]:
    """The units ``user`` sees, and the tops of them (one for a user of one unit)."""
    units = unit_scope_for(user)
    visible = list(
        (UnionUnit.objects.all() if units is None else units).only("pk", "parent", "tree_path")
    )
    pks = {unit.pk for unit in visible}
    return visible, [unit for unit in visible if unit.parent_id not in pks]


def _stored_key(user, paying_unit_id: str | None) -> Q | None:
    """The stored rows of all ``user`` sees paid (their scope's whole tree), or of what
    the paying unit ``paying_unit_id`` paid itself (none when it is out of scope: the
    list is empty); None when the scope is more than one tree (people in two trees count
    once)."""
    visible, roots = _scope(user)
    if paying_unit_id is not None:
        if int(paying_unit_id) not in {unit.pk for unit in visible}:
            return Q(pk__in=[])
        return Q(unit_id=int(paying_unit_id), own=True)
    if len(roots) == 1:
        return Q(unit_id=roots[0].pk, own=False)
    return None


def _unit_totals(user, paying_unit_id: str | None) -> TreeTotals | None:
    """All years, from the unit totals (see ``_stored_key``)."""
    key = _stored_key(user, paying_unit_id)
    if key is None:
        return None
    return TreeTotals.of(DisbursementUnitTotal.objects.filter(key).first())


def _district_groups(
    user, within: UnionUnit | None
) -> tuple[list[tuple[str, int, bool]], UnionUnit | None] | None:
    """The groups the reports show for what ``user`` sees (within ``within``'s tree if
    given): (district-level tree path, unit pk, own) — a district-level unit's whole
    tree; what the city union paid itself under its own path — and the root whose tree
    is the total. None when the scope is more than one tree; no root when ``within`` is
    outside the scope."""
    visible, roots = _scope(user)
    if len(roots) != 1:
        return None
    root = roots[0]
    if within is not None:
        if within.tree_path.startswith(root.tree_path):
            root = within
        elif not root.tree_path.startswith(within.tree_path):
            return [], None
    if len(root.tree_path) >= DISTRICT_PATH_LENGTH:
        return [(root.tree_path[:DISTRICT_PATH_LENGTH], root.pk, False)], root
    below = [(unit.tree_path, unit.pk, False) for unit in visible if unit.parent_id == root.pk]
    return [(root.tree_path, root.pk, True), *below], root


def _unit_year_totals(user, paying_unit_id: str | None, year: int) -> dict | None:
    """``_unit_totals`` for one calendar year, from the breakdown's cells (人数 adds up
    over them)."""
    key = _stored_key(user, paying_unit_id)
    if key is None:
        return None
    totals = DisbursementUnitYear.objects.filter(key, year=year).aggregate(
        people=Sum("people"), count=Sum("count"), cash=Sum("cash_fen"), goods=Sum("goods_fen")
    )
    return {
        "count": int(totals["count"] or 0),
        "people": int(totals["people"] or 0),
        "cash": _yuan(totals["cash"]),
        "goods": _yuan(totals["goods"]),
    }


def people_paid_over(user, year: int, fen: int) -> QuerySet[DisbursementPersonUnit] | None:
    """The people whose aid in ``year`` from everything ``user`` sees paid came to more
    than ``fen``: rows of the scope's whole tree, found by a range scan of the amount
    index however many were paid (``amount``: their aid in fen). None when the scope is
    more than one tree (one person's aid is then not one row)."""
    _visible, roots = _scope(user)
    if len(roots) != 1:
        return None
    return (
        DisbursementPersonUnit.objects.filter(unit_id=roots[0].pk, own=False, year=year)
        .alias(amount=F("cash_fen") + F("goods_fen"))
        .filter(amount__gt=fen)
        .annotate(amount_fen=F("cash_fen") + F("goods_fen"))
    )


def years_paid(user) -> list[int]:
    """The calendar years in which a unit ``user`` sees paid unreversed aid (a few stored
    rows per unit, whatever the data)."""
    visible, _roots = _scope(user)
    return list(
        DisbursementUnitYear.objects.filter(
            unit_id__in=[unit.pk for unit in visible], own=True, count__gt=0
        )
        .exclude(year=ALL_YEARS)
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


def _rows_of(groups: list[tuple[str, int, bool]], root: UnionUnit) -> Q:
    """The stored rows of ``_district_groups``' groups and of the root's whole tree."""
    wanted = Q(unit_id=root.pk, own=False)
    for _path, pk, own in groups:
        wanted |= Q(unit_id=pk, own=own)
    return wanted


def district_totals(
    user, within: UnionUnit | None = None
) -> tuple[dict[str, TreeTotals], TreeTotals] | None:
    """All years, per district-level tree path as the reports group paid money, and in
    total, for what ``user`` sees (within ``within``'s tree if given). None when the scope
    is more than one tree. Groups that paid nothing are left out."""
    found = _district_groups(user, within)
    if found is None:
        return None
    groups, root = found
    if root is None:
        return {}, TreeTotals()
    wanted = _rows_of(groups, root)
    rows = {(row.unit_id, row.own): row for row in DisbursementUnitTotal.objects.filter(wanted)}
    per_group = {}
    for path, pk, own in groups:
        totals = TreeTotals.of(rows.get((pk, own)))
        if totals.count:
            per_group[path] = totals
    return per_group, TreeTotals.of(rows.get((root.pk, False)))


@dataclass
class Cell:
    """人数, disbursements and money of the people of one category and 困难类型."""

    category: str
    hardship_type: str
    people: int
    count: int
    cash: Decimal
    goods: Decimal


def district_breakdown(
    user, within: UnionUnit | None = None, *, year: int | None = None, category: str = ""
) -> tuple[dict[str, list[Cell]], list[Cell]] | None:
    """Like ``district_totals``, broken down by the category and 困难类型 people are
    counted under, for one calendar year or all years (``year`` None), optionally of one
    category: per group, and of the whole tree (the total). A person is in one cell of a
    unit and year, so 人数 adds up over the cells of one group. A handful of stored rows
    (``DisbursementUnitYear``) whatever the data; None when the scope is more than one
    tree."""
    found = _district_groups(user, within)
    if found is None:
        return None
    groups, root = found
    if root is None:
        return {}, []
    wanted = _rows_of(groups, root)
    rows = DisbursementUnitYear.objects.filter(
        wanted, year=ALL_YEARS if year is None else year, count__gt=0
    )
    if category:
        rows = rows.filter(category=category)
    cells: dict[tuple[int, bool], list[Cell]] = {}
    for row in rows.order_by("category", "hardship_type"):
        cells.setdefault((row.unit_id, row.own), []).append(
            Cell(
                row.category,
                row.hardship_type,
                int(row.people),
                int(row.count),
                _yuan(row.cash_fen),
                _yuan(row.goods_fen),
            )
        )
    per_group = {path: cells[(pk, own)] for path, pk, own in groups if (pk, own) in cells}
    return per_group, cells.get((root.pk, False), [])


# --- one person's aid: the case page, the referral decision and the 档案表 -------------------


@dataclass
class YearTotal:
    year: int
    count: int
    cash: Decimal
    goods: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.goods

    @property
    def texts(self) -> dict[str, str]:
        """Cash, goods and total as the pages show money."""
        return {
            "cash": format_yuan(self.cash),
            "goods": format_yuan(self.goods),
            "total": format_yuan(self.total),
        }


def case_aid_by_year(case: Case, user) -> list[YearTotal]:
    """What ``case`` received per calendar year, newest first, from the payments ``user``
    may see (paid by units in their scope, reversed ones not counted).

    Read from the person × paying unit × year × campaign aggregate: a handful of rows a
    person, whatever the number of payments.
    """
    rows = (
        DisbursementCaseYear.objects.for_user(user)
        .filter(case=case, count__gt=0)
        .values("year")
        .annotate(n=Sum("count"), cash=Sum("cash_fen"), goods=Sum("goods_fen"))
        .order_by("-year")
    )
    return [
        YearTotal(row["year"], int(row["n"]), _yuan(row["cash"]), _yuan(row["goods"]))
        for row in rows
    ]


def case_payments(case: Case, user) -> QuerySet[Disbursement]:
    """``case``'s payments that ``user`` may see, newest first, reversed ones included
    (marked), with what the pages show of each."""
    return (
        Disbursement.objects.for_user(user)
        .filter(case=case)
        .select_related("fund", "campaign", "activity", "paying_unit")
        .with_values()
        .order_by("-disbursed_on", "-pk")
    )


def reversal_of(disbursement: Disbursement) -> LedgerEntry | None:
    """The ledger entry that reversed ``disbursement``'s payment, if any."""
    if not disbursement.ledger_entry_id:
        return None
    return (
        LedgerEntry.objects.filter(reverses_id=disbursement.ledger_entry_id)
        .select_related("posted_by", "fund")
        .first()
    )


def cases_never_aided(cases: QuerySet[Case]) -> QuerySet[Case]:
    """从未帮扶: of ``cases``, the files on file (在档, 长期救助) that no disbursement
    ever reached (a reversed one does not count: nothing was handed over).

    ``NOT EXISTS`` on the partial index ``disbursement_case_paid_idx`` (the case of every
    disbursement not reversed): an anti-join the planner answers from the index alone,
    with no flag on the case for funds to keep right (funds migration 0005)."""
    paid = Disbursement.objects.filter(case=OuterRef("pk"), is_reversed=False)
    return cases.filter(status__in=ACTIVE_STATUSES).exclude(Exists(paid))


@dataclass(frozen=True)
class CensusCounts:
    """The dashboard's counts of files, from the case census (``funds.census``)."""

    pending: int = 0
    review_due: int = 0
    never_aided: int = 0


def census_counts(user, on) -> CensusCounts:
    """In ``user``'s scope on the day ``on``: files awaiting verification, 年度复核到期
    (``CaseQuerySet.due_for_review``) and 从未帮扶 (``cases_never_aided``), each the same
    rule as the case list's filter, summed over a few census rows in one query."""
    active = Q(status__in=ACTIVE_STATUSES)
    totals = CaseCensus.objects.for_user_listed(user).aggregate(
        pending=Sum("cases", filter=Q(status=CaseStatus.PENDING)),
        review_due=Sum("cases", filter=active & Q(checked_year__lt=on.year)),
        never_aided=Sum("cases", filter=active & Q(aided=False)),
    )
    return CensusCounts(**{name: int(value or 0) for name, value in totals.items()})


def not_reviewed_per_group(user, year: int, group) -> dict[str, int]:
    """Files still in hardship not reviewed in ``year`` (``CaseQuerySet.not_reviewed_in``)
    per ``group`` (an expression over the census row, e.g. the unit's district path), from
    the case census."""
    return dict(
        CaseCensus.objects.for_user_listed(user)
        .exclude(status=CaseStatus.EXITED)
        .filter(reviewed_year__lt=year, cases__gt=0)
        .annotate(group=group)
        .values("group")
        .annotate(n=Sum("cases"))
        .order_by()
        .values_list("group", "n")
    )
