"""The city audit (市总审计): read-only findings across every district.

Each rule has a query (a ``values()`` queryset with the district's tree path as
``district_path``) and a way to describe one row. Counts per district are one
aggregate query per rule; listings are capped. Rules read through the user's scope
(``for_user_listed``: the rule of ``for_user``, with the units listed), so a city
user sees every district.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.idnumbers import person_label
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseStatus,
    HardshipType,
    HouseholdMember,
    SharedIdNumber,
)
from core.money import ZERO, format_yuan
from funds.models import (
    Disbursement,
    DisbursementCaseYear,
    DisbursementDay,
    Fund,
    LedgerEntry,
)
from funds.selectors import district_totals, not_reviewed_per_group, people_paid_over
from pairings.selectors import agreements_behind
from unions.models import UnionUnit

DISTRICT_PATH_LENGTH = 2 * (UnionUnit.PATH_STEP + 1)
MONEY = DecimalField(max_digits=14, decimal_places=2)


def annual_threshold() -> Decimal:
    """Aid to one person in one calendar year above this many yuan is flagged."""
    return Decimal(str(getattr(settings, "RELIEF_AUDIT_ANNUAL_THRESHOLD", "10000")))


def _district_path(path_field: str):
    return Substr(path_field, 1, DISTRICT_PATH_LENGTH)


def _change_url(model, pk) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


@dataclass
class Finding:
    district: str
    summary: str
    url: str


@dataclass
class Rule:
    code: str
    title: str
    rows: Callable  # (user) -> values() queryset with district_path, or a list of dicts
    describe: Callable[[dict], tuple[str, str]]  # row -> (summary, url)
    # (user) -> the same findings without the joins only the listing needs, to count them
    counted: Callable | None = None
    # (user) -> findings per district path, from the maintained aggregates
    tally: Callable | None = None


# --- the rules -----------------------------------------------------------------------


#: candidates for the duplicate-ID rule passed as a list (see ``_duplicate_rows``)
LISTED_CANDIDATES = 5_000


def _duplicate_rows(user):
    """A household member who is also on file as a case, or who is in two households.

    Only the numbers ``SharedIdNumber`` holds are looked at (a few in 10,000; kept by
    triggers, ``cases.shared_ids``), each checked exactly through the ID-number indexes:
    joining every member with every file took 4 s at city scale, on every view."""
    others_on_file = Case.objects.for_user_listed(user).filter(id_number=OuterRef("id_number"))
    other_households = HouseholdMember.objects.filter(id_number=OuterRef("id_number")).exclude(
        case_id=OuterRef("case_id")
    )
    # Listed first, so the members are found by the ID index from the candidates: as a
    # subquery the planner checked every member against both rules (8.3 s). Past a bound
    # (a query's parameters are finite, SQLite's especially) the subquery it is.
    numbers: list[str] | QuerySet = list(
        SharedIdNumber.objects.values_list("id_number", flat=True)[: LISTED_CANDIDATES + 1]
    )
    if len(numbers) > LISTED_CANDIDATES:
        numbers = SharedIdNumber.objects.values("id_number")
    return (
        HouseholdMember.objects.for_user_listed(user)
        .filter(id_number__in=numbers)
        .filter(Exists(others_on_file) | Exists(other_households))
        .exclude(case__id_number=F("id_number"))
        .annotate(district_path=_district_path("case__unit__tree_path"))
        .values("district_path", "case_id", "case__name", "case__id_number", "name")
        .order_by("case_id")
    )


def _person(row) -> str:
    """The case a finding is about, told apart from a namesake (cases.idnumbers)."""
    return person_label(row["case__name"], row["case__id_number"])


def _describe_duplicate(row):
    return (
        _("%(member)s, a household member of %(case)s, is on file elsewhere too.")
        % {"member": row["name"], "case": _person(row)},
        _change_url(Case, row["case_id"]),
    )


def _inactive_rows(user):
    """Aid paid to a case not on file at the time: not yet verified, or after it exited.

    Decided when the aid was posted (``Disbursement.case_on_file_when_paid``): aid paid
    while a case was on file stays correct after the case leaves hardship or is reopened.
    Listed by the partial index of these rare rows."""
    return (
        Disbursement.objects.for_user_listed(user)
        .filter(is_reversed=False, case_on_file_when_paid=False)
        .annotate(district_path=_district_path("paying_unit__tree_path"))
        .values(
            "district_path", "pk", "case__name", "case__id_number", "case__status", "disbursed_on"
        )
        .order_by("-disbursed_on", "-pk")
    )


def _counter_tally(user, counter: str) -> dict[str, int]:
    """A stored counter (``off_file``, ``unsigned``) per district: from the stored totals
    of whole trees, or, for a scope of several trees, the counters kept per paying unit
    and day."""
    trees = district_totals(user)
    if trees is not None:
        return {path: getattr(t, counter) for path, t in trees[0].items() if getattr(t, counter)}
    return dict(
        DisbursementDay.objects.for_user_listed(user)
        .filter(**{f"{counter}__gt": 0})
        .annotate(district_path=_district_path("paying_unit__tree_path"))
        .values("district_path")
        .annotate(n=Sum(counter))
        .order_by()
        .values_list("district_path", "n")
    )


def _inactive_tally(user) -> dict[str, int]:
    """Aid to cases not on file when paid, per district."""
    return _counter_tally(user, "off_file")


def _describe_inactive(row):
    return (
        _("%(date)s: aid to %(name)s, whose case was not on file then (now: %(status)s).")
        % {
            "date": row["disbursed_on"],
            "name": _person(row),
            "status": CaseStatus(row["case__status"]).label,
        },
        _change_url(Disbursement, row["pk"]),
    )


def _threshold_limit() -> int:
    # Aid is whole fen: more than the threshold is more than its whole fen below.
    return int((annual_threshold() * 100).to_integral_value(rounding=ROUND_FLOOR))


def _threshold_rows(user):
    """People whose aid this year is above the threshold, listed under the district of
    their case's unit: from the person × year rows of the scope's whole tree (a range
    scan of the amount index), or, for a scope of several trees, the raw rows."""
    year = timezone.localdate().year
    stored = people_paid_over(user, year, _threshold_limit())
    if stored is not None:
        return (
            stored.annotate(district_path=_district_path("case__unit__tree_path"))
            .values("district_path", "case_id", "case__name", "case__id_number", "amount_fen")
            .order_by("-amount_fen", "case_id")
        )
    total = Coalesce(Sum("cash_amount"), Value(ZERO), output_field=MONEY) + Coalesce(
        Sum(F("quantity") * F("unit_value")), Value(ZERO), output_field=MONEY
    )
    return (
        Disbursement.objects.for_user_listed(user)
        .filter(is_reversed=False, disbursed_on__year=year)
        .annotate(district_path=_district_path("case__unit__tree_path"))
        .values("district_path", "case_id", "case__name", "case__id_number")
        .annotate(total=total)
        .filter(total__gt=annual_threshold())
        .order_by("-total")
    )


def _threshold_tally(user) -> dict[str, int]:
    """People over the year's threshold per district (of the case's unit, as listed)."""
    stored = people_paid_over(user, timezone.localdate().year, _threshold_limit())
    if stored is not None:
        return dict(
            stored.annotate(district_path=_district_path("case__unit__tree_path"))
            .values("district_path")
            .annotate(n=Count("*"))
            .order_by()
            .values_list("district_path", "n")
        )
    over = (
        DisbursementCaseYear.objects.for_user_listed(user)
        .filter(year=timezone.localdate().year, count__gt=0)
        .annotate(district_path=_district_path("case__unit__tree_path"))
        .values("district_path", "case_id")
        .annotate(fen=Sum(F("cash_fen") + F("goods_fen")))
        .filter(fen__gt=annual_threshold() * 100)
        .order_by()
    )
    tally: dict[str, int] = {}
    for path in over.values_list("district_path", flat=True):
        tally[path] = tally.get(path, 0) + 1
    return tally


def _describe_threshold(row):
    return (
        _("%(name)s received %(total)s yuan this year (threshold %(threshold)s yuan).")
        % {
            "name": _person(row),
            "total": format_yuan(
                row["total"] if "total" in row else Decimal(row["amount_fen"]).scaleb(-2)
            ),
            "threshold": format_yuan(annual_threshold()),
        },
        _change_url(Case, row["case_id"]),
    )


def _unsigned(user):
    return (
        Disbursement.objects.for_user_listed(user)
        .filter(is_reversed=False, receipt_signed=False)
        .annotate(district_path=_district_path("paying_unit__tree_path"))
    )


def _receipt_tally(user) -> dict[str, int]:
    """Unsigned receipts per district."""
    return _counter_tally(user, "unsigned")


def _receipt_rows(user):
    return (
        _unsigned(user)
        .values("district_path", "pk", "case__name", "case__id_number", "disbursed_on")
        .order_by("-disbursed_on", "-pk")
    )


def _describe_receipt(row):
    return (
        _("%(date)s: aid to %(name)s has no signed receipt.")
        % {"date": row["disbursed_on"], "name": _person(row)},
        _change_url(Disbursement, row["pk"]),
    )


def _review_rows(user):
    return (
        Case.objects.for_user_listed(user)
        .not_reviewed_this_year(timezone.localdate())
        .annotate(district_path=_district_path("unit__tree_path"))
        .values("district_path", "pk", "name", "id_number")
        .order_by("pk")
    )


def _review_tally(user) -> dict[str, int]:
    """Files not reviewed this year per district, from the case census."""
    return not_reviewed_per_group(
        user, timezone.localdate().year, _district_path("unit__tree_path")
    )


def _describe_review(row):
    return (
        _("%(name)s has not been reviewed this year.")
        % {"name": person_label(row["name"], row["id_number"])},
        _change_url(Case, row["pk"]),
    )


def _ledger_rows(user):
    ledger_sum = (
        LedgerEntry.objects.filter(fund=OuterRef("pk"))
        .order_by()
        .values("fund")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Fund.objects.for_user_listed(user)
        .annotate(
            # Rounded on both sides: SQLite sums decimals as floats.
            ledger=Round(Coalesce(Subquery(ledger_sum), Value(ZERO), output_field=MONEY), 2),
            district_path=_district_path("unit__tree_path"),
        )
        .exclude(ledger=Round(F("balance"), 2))
        .values("district_path", "pk", "name", "balance", "ledger")
        .order_by("pk")
    )


def _describe_ledger(row):
    return (
        _("%(fund)s: balance %(balance)s yuan, but its ledger adds up to %(ledger)s yuan.")
        % {
            "fund": row["name"],
            "balance": format_yuan(row["balance"]),
            "ledger": format_yuan(row["ledger"]),
        },
        _change_url(Fund, row["pk"]),
    )


def _pairing_rows(user):
    return [
        {
            "district_path": agreement.unit.tree_path[:DISTRICT_PATH_LENGTH],
            "pk": agreement.pk,
            "number": agreement.number,
            "sponsor": agreement.sponsor.name,
            "amount": amount,
            "model": type(agreement),
        }
        for agreement, amount in agreements_behind(user)
    ]


def _describe_pairing(row):
    return (
        _("%(number)s (%(sponsor)s) is %(amount)s yuan behind on payment.")
        % {
            "number": row["number"],
            "sponsor": row["sponsor"],
            "amount": format_yuan(row["amount"]),
        },
        _change_url(row["model"], row["pk"]),
    )


def _no_type_rows(user):
    """On file (在档/长期救助) but meeting no 困难类型 under today's line (FILING.md):
    for the unit to review. The evaluation never changes a verified file's status."""
    return (
        Case.objects.for_user_listed(user)
        .filter(status__in=ACTIVE_STATUSES, hardship_type=HardshipType.NONE)
        .annotate(district_path=_district_path("unit__tree_path"))
        .values("district_path", "pk", "name", "monthly_income_per_capita")
        .order_by("pk")
    )


def _describe_no_type(row):
    return (
        _("%(name)s is on file but meets no hardship type (household figure %(figure)s yuan).")
        % {"name": row["name"], "figure": format_yuan(row["monthly_income_per_capita"])},
        _change_url(Case, row["pk"]),
    )


RULES = [
    Rule("duplicates", gettext_lazy("Same person on file twice"), _duplicate_rows,
         _describe_duplicate),
    Rule("inactive", gettext_lazy("Aid to cases not verified or already exited"),
         _inactive_rows, _describe_inactive, tally=_inactive_tally),
    Rule("threshold", gettext_lazy("One person's aid this year above the threshold"),
         _threshold_rows, _describe_threshold, tally=_threshold_tally),
    Rule("receipts", gettext_lazy("Disbursements without a signed receipt"), _receipt_rows,
         _describe_receipt, counted=_unsigned, tally=_receipt_tally),
    Rule("reviews", gettext_lazy("Cases not reviewed this year"), _review_rows,
         _describe_review, tally=_review_tally),
    Rule("ledgers", gettext_lazy("Fund ledgers that do not reconcile"), _ledger_rows,
         _describe_ledger),
    Rule("pairings", gettext_lazy("Pairing agreements behind on payment"), _pairing_rows,
         _describe_pairing),
    Rule("no_type", gettext_lazy("Verified files that no longer meet any hardship type"),
         _no_type_rows, _describe_no_type),
]  # fmt: skip
RULES_BY_CODE = {rule.code: rule for rule in RULES}


# --- running them ------------------------------------------------------------------


def district_names() -> dict[str, str]:
    return {
        path: name
        for path, name in UnionUnit.objects.values_list("tree_path", "name")
        if len(path) <= DISTRICT_PATH_LENGTH
    }


def counts(rule: Rule, user) -> dict[str, int]:
    """Findings of ``rule`` per district path, counted in the database."""
    if rule.tally is not None:
        return {path: int(n) for path, n in rule.tally(user).items()}
    rows = (rule.counted or rule.rows)(user)
    if isinstance(rows, list):
        tally: dict[str, int] = {}
        for row in rows:
            tally[row["district_path"]] = tally.get(row["district_path"], 0) + 1
        return tally
    if rule.code == "threshold":
        # Grouped already (one row per person): count the groups in Python.
        tally = {}
        for path in rows.values_list("district_path", flat=True):
            tally[path] = tally.get(path, 0) + 1
        return tally
    return dict(
        rows.values("district_path")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("district_path", "n")
    )


def findings(rule: Rule, user, limit: int | None = 200) -> list[Finding]:
    rows = rule.rows(user)
    rows = rows[:limit] if limit else rows
    names = district_names()
    out = []
    for row in rows:
        summary, url = rule.describe(row)
        out.append(Finding(names.get(row["district_path"], ""), summary, url))
    return out


def district_table(user) -> tuple[list[Rule], list[tuple[str, list[int]]]]:
    """One row per district and one column per rule: the top of the audit page."""
    names = district_names()
    per_rule = [counts(rule, user) for rule in RULES]
    paths = sorted({path for tally in per_rule for path in tally})
    table = [(names.get(path, path), [tally.get(path, 0) for tally in per_rule]) for path in paths]
    return RULES, table
