"""The papers printed from the records: a visit's 签收表 and a person's 困难职工档案表.

Both read the register and the payments (``cases`` and ``funds``), so they live here,
above both. Every read is scoped to the viewer: an activity or case outside their
scope is not found, and only what they may see of it is printed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet

from cases.idnumbers import mask_id_number
from cases.models import Activity, AnnualReview, Case, Category, Referral
from cases.permissions import VIEW_FULL_ID_NUMBER
from core.money import ZERO, format_yuan
from funds.models import Disbursement, DisbursementKind
from funds.selectors import YearTotal, case_aid_by_year, case_payments

# --- 签收表: one visit's sign-off sheet ----------------------------------------------------


@dataclass
class HandedOver:
    """What one household receives on the visit: cash, and goods by item."""

    cash: Decimal = ZERO
    goods: dict[str, int] = field(default_factory=dict)
    goods_value: Decimal = ZERO
    payments: int = 0
    unsigned: int = 0

    def goods_text(self) -> str:
        return "、".join(f"{item}×{quantity}" for item, quantity in self.goods.items())

    @property
    def cash_text(self) -> str:
        return format_yuan(self.cash) if self.cash else ""

    @property
    def goods_value_text(self) -> str:
        return format_yuan(self.goods_value) if self.goods_value else ""


@dataclass
class SignoffRow:
    number: int
    case_id: int
    name: str
    masked_id: str
    address: str
    phone: str
    handed: HandedOver

    @property
    def goods_text(self) -> str:
        return self.handed.goods_text()


@dataclass
class SignoffSheet:
    activity: Activity
    rows: list[SignoffRow]
    total: HandedOver
    households: int

    @property
    def unsigned(self) -> int:
        return self.total.unsigned


def activity_payments(activity: Activity, user) -> QuerySet[Disbursement]:
    """The unreversed payments recorded for ``activity`` that ``user`` may see."""
    return Disbursement.objects.for_user(user).filter(activity=activity, is_reversed=False)


def signoff_sheet(activity: Activity, user) -> SignoffSheet:
    """One row per household of ``activity`` (those reached, and any paid on it), with
    what it is handed: the payments recorded for the activity (before the visit they
    are the plan, entered with 是否签收 unticked). Masked ID numbers whoever prints it:
    the sheet travels. Sorted by the order of the visit's list: by name within it."""
    reached = Case.objects.for_user(user).filter(activities=activity)
    handed: dict[int, HandedOver] = defaultdict(HandedOver)
    total = HandedOver()
    payments = activity_payments(activity, user).values_list(
        "case_id", "kind", "cash_amount", "item", "quantity", "unit_value", "receipt_signed"
    )
    for case_id, kind, cash, item, quantity, unit_value, signed in payments.order_by("pk"):
        for bucket in (handed[case_id], total):
            bucket.payments += 1
            bucket.unsigned += 0 if signed else 1
            if cash:
                bucket.cash += cash
            if kind == DisbursementKind.GOODS and quantity:
                bucket.goods[item] = bucket.goods.get(item, 0) + quantity
                bucket.goods_value += quantity * (unit_value or ZERO)
    cases = (
        Case.objects.for_user(user)
        .filter(pk__in={*reached.values_list("pk", flat=True), *handed})
        .only("pk", "name", "id_number", "address", "phone")
        .order_by("name", "pk")
    )
    rows = [
        SignoffRow(
            number=number,
            case_id=case.pk,
            name=case.name,
            masked_id=mask_id_number(case.id_number),
            address=case.address,
            phone=case.phone,
            handed=handed.get(case.pk, HandedOver()),
        )
        for number, case in enumerate(cases, start=1)
    ]
    return SignoffSheet(activity=activity, rows=rows, total=total, households=len(rows))


# --- 困难职工档案表: one person's file --------------------------------------------------------


@dataclass
class StatusChange:
    when: datetime
    status: str
    who: str
    note: str = ""


@dataclass
class CaseFile:
    case: Case
    full_ids: bool
    id_number: str
    birth_date: date | None
    extra_categories: list[str]
    causes: list[str]
    members: list[dict]
    status_history: list[StatusChange]
    reviews: list[AnnualReview]
    referrals: list[Referral]
    years: list[YearTotal]
    payments: list[dict]
    total_cash: Decimal = ZERO
    total_goods: Decimal = ZERO


def _who(user) -> str:
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}" or user.get_username()


def status_history(case: Case) -> list[StatusChange]:
    """Each change of ``case``'s status, oldest first, from its history rows."""
    labels = dict(case._meta.get_field("status").flatchoices)
    out: list[StatusChange] = []
    previous = None
    for record in case.history.select_related("history_user").order_by("history_date", "pk"):
        if record.status == previous:
            continue
        note = record.exit_reason if record.status == "exited" else ""
        out.append(
            StatusChange(
                when=record.history_date,
                status=str(labels.get(record.status, record.status)),
                who=_who(record.history_user),
                note=note,
            )
        )
        previous = record.status
    return out


def case_file(case: Case, user) -> CaseFile:
    """What the 档案表 prints of ``case`` for ``user``: the full resident ID numbers (and
    the birth date, which is their starred part) only with the full-ID permission."""
    full = user.has_perm(VIEW_FULL_ID_NUMBER)
    labels = dict(Category.choices)
    members = [
        {
            "relation": member.get_relation_display(),
            "name": member.name,
            "id_number": member.id_number if full else mask_id_number(member.id_number),
            "school": member.school,
            "notes": member.notes,
        }
        for member in case.members.order_by("pk")
    ]
    payments = [
        {
            "disbursed_on": p.disbursed_on,
            "is_reversed": p.is_reversed,
            "kind": p.get_kind_display(),
            "cash": format_yuan(p.cash_amount) if p.cash_amount else "",
            "goods": f"{p.item}×{p.quantity}" if p.item else "",
            "campaign": p.campaign.name if p.campaign_id else "",
            "paying_unit": p.paying_unit.name,
            "receipt_signed": p.receipt_signed,
        }
        for p in case_payments(case, user)
    ]
    years = case_aid_by_year(case, user)
    return CaseFile(
        case=case,
        full_ids=full,
        id_number=case.id_number if full else case.masked_id_number,
        birth_date=case.birth_date if full else None,
        extra_categories=[str(labels.get(code, code)) for code in case.extra_categories],
        causes=[cause.name for cause in case.causes.all()],
        members=members,
        status_history=status_history(case),
        reviews=list(case.reviews.select_related("reviewer").order_by("-year")),
        referrals=list(
            case.referrals.select_related("submitted_by", "decided_by").order_by("submitted_at")
        ),
        years=years,
        payments=payments,
        total_cash=sum((y.cash for y in years), ZERO),
        total_goods=sum((y.goods for y in years), ZERO),
    )
