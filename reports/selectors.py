"""Report figures, aggregated in the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, Substr

from cases.models import Activity, Campaign, Case, Category, HardshipType
from core.money import ZERO, format_yuan, quantize_yuan
from funds.models import Disbursement, DisbursementCaseYear
from funds.selectors import district_breakdown
from reports import audit
from unions.models import UnionUnit

# tree_path holds one zero-padded pk and a slash per level; the first two levels are the
# city union and the district-level unit (district, county or enterprise system).
LEVEL_WIDTH = UnionUnit.PATH_STEP + 1
DISTRICT_PATH_LENGTH = 2 * LEVEL_WIDTH
GROUPINGS = ("unit", "category", "unit,category", "type", "unit,type")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# The column headers are a file format (INTERFACES.md, `reliefreport`): fixed Chinese,
# like the spreadsheet templates, whatever the interface language.
KEY_HEADERS = {"unit": "单位", "category": "困难类别", "type": "困难类型"}
MEASURE_HEADERS = ["人数", "人次", "现金（元）", "物资折价（元）", "合计（元）"]
TOTAL_LABEL = "合计"
# The line of temporary files (临时救助档案, no category yet) in a summary by category.
TEMPORARY_LINE = "临时救助档案"


@dataclass
class SummaryRow:
    unit: str = ""
    category: str = ""
    hardship_type: str = ""  # 困难类型 (FILING.md), the case's stored evaluation
    people: int = 0
    disbursements: int = 0
    cash: Decimal = ZERO
    goods: Decimal = ZERO
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.cash + self.goods


@dataclass
class Summary:
    by: tuple[str, ...]
    rows: list[SummaryRow]
    total: SummaryRow

    def headers(self) -> list[str]:
        return [KEY_HEADERS[b] for b in self.by] + MEASURE_HEADERS

    def table(self) -> list[list]:
        """Rows as cells, then the total row, in the column order of ``headers``."""
        out = []
        for row in [*self.rows, self.total]:
            cells = {"unit": row.unit, "category": row.category, "type": row.hardship_type}
            keys = [cells[b] for b in self.by]
            out.append([*keys, row.people, row.disbursements, row.cash, row.goods, row.total])
        return out


def summary(queryset, by: str = "unit") -> Summary:
    """人数, 人次, cash, goods value and total of ``queryset`` (scoped, filtered
    disbursements) grouped by district-level unit and/or category, plus the total row.

    Reversed disbursements are left out: their money went back to the fund.

    One statement, one pass over the rows: the groups and the total row (whose 人数
    counts each person once, however many groups they are in) come from
    ``GROUPING SETS`` on PostgreSQL, and from two aggregates joined with ``UNION ALL``
    elsewhere.
    """
    group, keys = _group_keys(by, "paying_unit__tree_path", "case__category")
    rows = (
        queryset.filter(is_reversed=False)
        .order_by()
        .values(
            **keys,
            person=F("case_id"),
            cash=F("cash_amount"),
            goods=ExpressionWrapper(F("quantity") * F("unit_value"), output_field=MONEY),
        )
    )
    return _summary_of(_grouped(rows, list(keys)), group, _yuan)


def _group_keys(
    by: str, path_field: str, category_field: str
) -> tuple[tuple[str, ...], dict[str, Any]]:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    group = tuple(by.split(","))
    keys: dict[str, Any] = {}  # output name -> expression (Substr or F)
    if "unit" in group:
        keys["district_path"] = Substr(path_field, 1, DISTRICT_PATH_LENGTH)
    if "category" in group:
        keys["category"] = F(category_field)
    if "type" in group:
        # Beside the category: the case's 困难类型 is read through the same join.
        keys["hardship_type"] = F(category_field.replace("category", "hardship_type"))
    return group, keys


def _summary_of(grouped: list[dict], group: tuple[str, ...], money) -> Summary:
    # Keyed by what the grouped rows carry (a missing key reads as "").
    names: dict[Any, str] = dict(UnionUnit.objects.values_list("tree_path", "name"))
    # A temporary file has no category until its 转正: its aid is a line of its own.
    categories: dict[Any, object] = {**dict(Category.choices), "": TEMPORARY_LINE}
    types: dict[Any, object] = dict(HardshipType.choices)
    out = []
    total = SummaryRow(
        unit=TOTAL_LABEL if "unit" in group else "",
        category=TOTAL_LABEL if group == ("category",) else "",
        hardship_type=TOTAL_LABEL if group == ("type",) else "",
    )
    for values in grouped:
        row = total if values["is_total"] else SummaryRow()
        row.people = values["people"]
        row.disbursements = int(values["disbursements"] or 0)
        row.cash = money(values["cash"])
        row.goods = money(values["goods"])
        if not values["is_total"]:
            row.unit = names.get(values.get("district_path"), "")
            row.category = str(categories.get(values.get("category"), ""))
            if "type" in group:
                row.hardship_type = str(types.get(values.get("hardship_type") or "", ""))
            out.append(row)
    order: dict[Any, int] = {path: i for i, path in enumerate(sorted(names))}
    path_of = {name: path for path, name in names.items()}
    category_order = {str(label): i for i, (_code, label) in enumerate(Category.choices)}
    category_order[str(TEMPORARY_LINE)] = len(category_order)
    type_order = {str(label): i for i, (_code, label) in enumerate(HardshipType.choices)}
    out.sort(
        key=lambda r: (
            order.get(path_of.get(r.unit), 0),
            category_order.get(r.category, 0),
            type_order.get(r.hardship_type, 0),
        )
    )
    return Summary(by=group, rows=out, total=total)


# The report filters the maintained aggregates answer: DisbursementCaseYear is kept per
# person × paying unit × calendar year × campaign, and a case's category is its current
# one (joined), as the raw summary reads it. A fund or kind filter, or dates that cut a
# year, need the raw rows.
AGGREGATE_FILTERS = frozenset({"unit", "campaign", "category", "date_from", "date_to"})


def answerable(data: dict) -> bool:
    """Whether the maintained aggregates answer the report filters ``data`` exactly."""
    used = {name for name, value in data.items() if value not in (None, "")}
    if not used <= AGGREGATE_FILTERS:
        return False
    start, end = data.get("date_from"), data.get("date_to")
    return (not start or (start.month, start.day) == (1, 1)) and (
        not end or (end.month, end.day) == (12, 31)
    )


def report_summary(filterset, by: str = "unit") -> Summary:
    """The summary of a report filterset (page, .xlsx, ``reliefreport``): from the
    maintained aggregates when they answer its filters, else from the raw rows."""
    if not filterset.is_valid():
        return summary(filterset.queryset.none(), by)
    data = filterset.form.cleaned_data
    if not answerable(data):
        return summary(filterset.qs, by)
    used = {name for name, value in data.items() if value not in (None, "")}
    if used <= {"unit", "category", "date_from", "date_to"}:
        year = _one_year(data.get("date_from"), data.get("date_to"))
        if year is not False:
            stored = breakdown_summary(
                filterset.request.user,
                data.get("unit"),
                by,
                year=year,
                category=data.get("category") or "",
            )
            if stored is not None:
                return stored

    rows = DisbursementCaseYear.objects.for_user_listed(filterset.request.user)
    if data.get("unit"):
        rows = rows.filter(paying_unit__tree_path__startswith=data["unit"].tree_path)
    if data.get("campaign"):
        rows = rows.filter(campaign_key=data["campaign"].pk)
    if data.get("category"):
        rows = rows.filter(case__category=data["category"])
    if data.get("date_from"):
        rows = rows.filter(year__gte=data["date_from"].year)
    if data.get("date_to"):
        rows = rows.filter(year__lte=data["date_to"].year)
    return aggregate_summary(rows, by)


def _one_year(start, end) -> int | None | bool:
    """The calendar year whole-year dates ``start``–``end`` cover, None for no dates (all
    years), False for several years or one end open (people cannot be added up across
    years)."""
    if not start and not end:
        return None
    if start and end and start.year == end.year:
        return start.year
    return False


def breakdown_summary(
    user, within=None, by: str = "unit", *, year: int | None = None, category: str = ""
) -> Summary | None:
    """The summary of a whole scope (within ``within``'s tree), for all years or one,
    optionally of one category, from the stored breakdown by unit, category and 困难类型
    (``funds.selectors.district_breakdown``): a few dozen rows whatever the data. None
    when the user's scope is more than one tree."""
    group, _keys = _group_keys(by, "", "category")
    found = district_breakdown(user, within, year=year, category=category)
    if found is None:
        return None
    per_group, whole = found
    sums: dict[tuple, dict] = {}

    def add(key: tuple, cell, is_total: bool) -> None:
        out = sums.setdefault(
            (is_total, *key),
            {"people": 0, "disbursements": 0, "cash": ZERO, "goods": ZERO, "is_total": is_total},
        )
        out["people"] += cell.people
        out["disbursements"] += cell.count
        out["cash"] += cell.cash
        out["goods"] += cell.goods
        if not is_total:
            names = {"district_path": key[0]} if "unit" in group else {}
            rest = list(key[1:] if "unit" in group else key)
            if "category" in group:
                names["category"] = rest.pop(0)
            if "type" in group:
                names["hardship_type"] = rest.pop(0)
            out.update(names)

    def class_key(cell) -> tuple:
        return (
            *((cell.category,) if "category" in group else ()),
            *((cell.hardship_type,) if "type" in group else ()),
        )

    if "unit" in group:
        for path, cells in per_group.items():
            for cell in cells:
                add((path, *class_key(cell)), cell, False)
    else:
        for cell in whole:
            add(class_key(cell), cell, False)
    for cell in whole:
        add((), cell, True)
    return _summary_of(list(sums.values()), group, lambda value: value)


def aggregate_summary(rows, by: str = "unit") -> Summary:
    """``summary`` over DisbursementCaseYear rows (already scoped and filtered)."""
    group, keys = _group_keys(by, "paying_unit__tree_path", "case__category")
    # Rows whose disbursements were all reversed stay, at zero: no one was paid there.
    values = (
        rows.filter(count__gt=0)
        .order_by()
        .values(
            **keys, person=F("case_id"), n=F("count"), cash=F("cash_fen"), goods=F("goods_fen")
        )
    )
    return _summary_of(_grouped(values, list(keys), counted="n"), group, _from_fen)


def _from_fen(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def _grouped(rows, keys: list[str], counted: str | None = None) -> list[dict]:
    """Aggregate ``rows`` (a values() queryset) per ``keys`` and in total, in one query."""
    try:
        inner, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # e.g. a scope without units: nothing to read
        return []
    connection = connections[rows.db]
    qn = connection.ops.quote_name
    key_columns = ", ".join(qn(key) for key in keys)
    # Raw rows count one each; aggregate rows carry their count in ``counted``.
    times = f"SUM({qn(counted)})" if counted else "COUNT(*)"
    measures = f"COUNT(DISTINCT {qn('person')}), {times}, SUM({qn('cash')}), SUM({qn('goods')})"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT {key_columns}, {measures}, GROUPING({key_columns}) <> 0 "
            f"FROM ({inner}) AS {qn('rows')} GROUP BY GROUPING SETS (({key_columns}), ())"
        )
    else:
        nulls = ", ".join("NULL" for _key in keys)
        sql = (
            f"SELECT {key_columns}, {measures}, 0 FROM ({inner}) AS {qn('rows')} "
            f"GROUP BY {key_columns} "
            f"UNION ALL SELECT {nulls}, {measures}, 1 FROM ({inner}) AS {qn('all_rows')}"
        )
        params = (*params, *params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [*keys, "people", "disbursements", "cash", "goods", "is_total"]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _yuan(value) -> Decimal:
    """A sum as money: SQLite hands sums back as floats (or NULL for no rows)."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return quantize_yuan(value)


def campaign_paragraphs(campaign: Campaign, user) -> list[dict]:
    """Per district, the bulletin's sentences: each outing (routes of one day and title
    together, as in "分四路"), its leaders and places, households reached and money paid;
    then the district's totals. A handful of queries whatever the campaign's size: the
    district totals from the maintained aggregates, the money per outing from the
    campaign's disbursements (by the campaign index; the aggregates hold no activity)."""
    names = audit.district_names()
    activities = (
        Activity.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("unit")
        .annotate(people=Count("cases", distinct=True))
        .order_by("unit__tree_path", "held_on", "route_label")
    )
    paid = {
        row["activity"]: row
        for row in Disbursement.objects.for_user_listed(user)
        .filter(campaign=campaign, is_reversed=False, activity__isnull=False)
        .values("activity")
        .annotate(
            cash=Coalesce(Sum("cash_amount"), Value(ZERO), output_field=MONEY),
            goods=Coalesce(Sum(F("quantity") * F("unit_value")), Value(ZERO), output_field=MONEY),
        )
        .order_by()
    }
    outings: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for activity in activities:
        district = names.get(activity.unit.tree_path[: audit.DISTRICT_PATH_LENGTH], "")
        key = (activity.held_on, activity.title)
        outing = outings[district].setdefault(
            key,
            {
                "held_on": activity.held_on,
                "title": activity.title,
                "kind": activity.get_kind_display(),
                "leaders": activity.leaders,
                "places": [],
                "routes": 0,
                "people": 0,
                "cash": ZERO,
                "goods": ZERO,
            },
        )
        outing["routes"] += 1 if activity.route_label else 0
        outing["people"] += activity.people
        if activity.places and activity.places not in outing["places"]:
            outing["places"].append(activity.places)
        money = paid.get(activity.pk)
        if money:
            outing["cash"] += money["cash"]
            outing["goods"] += money["goods"]
    reached = dict(
        Case.objects.for_user_listed(user)
        .filter(activities__campaign=campaign)
        .annotate(district_path=Substr("unit__tree_path", 1, audit.DISTRICT_PATH_LENGTH))
        .values("district_path")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("district_path", "n")
    )
    # 人数, 人次 and money per district from the person × year × campaign aggregates.
    district_money: dict[str, SummaryRow] = {
        row.unit: row
        for row in aggregate_summary(
            DisbursementCaseYear.objects.for_user_listed(user).filter(campaign_key=campaign.pk),
            "unit",
        ).rows
    }
    paragraphs = []
    for path, district in sorted((p, n) for p, n in names.items() if n in outings):
        row: SummaryRow | None = district_money.get(district)
        lines = []
        for outing in outings[district].values():
            outing["places"] = "、".join(outing["places"])
            outing["cash_text"] = format_yuan(outing["cash"])
            outing["goods_text"] = format_yuan(outing["goods"])
            lines.append(outing)
        paragraphs.append(
            {
                "district": district,
                "outings": lines,
                "people": reached.get(path, 0),
                "aided": row.people if row else 0,
                "disbursements": row.disbursements if row else 0,
                "cash": format_yuan(row.cash if row else ZERO),
                "goods": format_yuan(row.goods if row else ZERO),
                "total": format_yuan(row.total if row else ZERO),
            }
        )
    return paragraphs
