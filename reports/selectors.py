"""Report figures, aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce, Substr

from cases.models import Category
from unions.models import UnionUnit
from unions.parsing import quantize_yuan

ZERO = Decimal("0.00")
# tree_path holds one zero-padded pk and a slash per level; the first two levels are the
# city union and the district-level unit (district, county or enterprise system).
LEVEL_WIDTH = UnionUnit.PATH_STEP + 1
DISTRICT_PATH_LENGTH = 2 * LEVEL_WIDTH
GROUPINGS = ("unit", "category", "unit,category")
# The column headers are a file format (INTERFACES.md, `reliefreport`): fixed Chinese,
# like the spreadsheet templates, whatever the interface language.
KEY_HEADERS = {"unit": "单位", "category": "困难类别"}
MEASURE_HEADERS = ["人数", "人次", "现金（元）", "物资折价（元）", "合计（元）"]
TOTAL_LABEL = "合计"


@dataclass
class SummaryRow:
    unit: str = ""
    category: str = ""
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
            keys = [row.unit if b == "unit" else row.category for b in self.by]
            out.append([*keys, row.people, row.disbursements, row.cash, row.goods, row.total])
        return out


def _money(expression):
    return Coalesce(
        Sum(expression), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
    )


def summary(queryset, by: str = "unit") -> Summary:
    """人数, 人次, cash, goods value and total of ``queryset`` (scoped, filtered
    disbursements) grouped by district-level unit and/or category, plus the total row.

    Reversed disbursements are left out: their money went back to the fund.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    group = tuple(by.split(","))
    queryset = queryset.filter(is_reversed=False).order_by()
    measures = {
        "people": Count("case", distinct=True),
        "disbursements": Count("pk"),
        "cash": _money("cash_amount"),
        "goods": _money(F("quantity") * F("unit_value")),
    }
    keys = []
    if "unit" in group:
        queryset = queryset.annotate(
            district_path=Substr("paying_unit__tree_path", 1, DISTRICT_PATH_LENGTH)
        )
        keys.append("district_path")
    if "category" in group:
        keys.append("case__category")
    grouped = queryset.values(*keys).annotate(**measures)
    names = dict(UnionUnit.objects.values_list("tree_path", "name"))
    categories = dict(Category.choices)
    rows = []
    for values in grouped:
        rows.append(
            SummaryRow(
                unit=names.get(values.get("district_path"), ""),
                category=str(categories.get(values.get("case__category"), "")),
                people=values["people"],
                disbursements=values["disbursements"],
                cash=quantize_yuan(values["cash"]),
                goods=quantize_yuan(values["goods"]),
            )
        )
    order = {path: i for i, path in enumerate(sorted(names))}
    path_of = {name: path for path, name in names.items()}
    category_order = {str(label): i for i, (_code, label) in enumerate(Category.choices)}
    rows.sort(key=lambda r: (order.get(path_of.get(r.unit), 0), category_order.get(r.category, 0)))
    totals = queryset.aggregate(**measures)
    # SQLite hands sums back without their scale; money always has two places.
    totals["cash"], totals["goods"] = quantize_yuan(totals["cash"]), quantize_yuan(totals["goods"])
    total = SummaryRow(
        unit=TOTAL_LABEL if "unit" in group else "",
        category=TOTAL_LABEL if group == ("category",) else "",
        **totals,
    )
    return Summary(by=group, rows=rows, total=total)
