"""Demo pairing agreements of the 2007 bulletin, with payments (idempotent).

金阊区总工会 signed with 中国农业银行苏州分行 and 苏州海关 so that 7 extreme-hardship workers
(its long-term cases) get lasting support; 昆山市总工会's staff paired with 6 pupils of
昆山中学 and 震川中学 (the 4,800元 that ``funds.demo`` already paid are linked to that
agreement, not paid twice). The bank pays every year directly and is up to date; customs
paid 2007 through the district's 扶贫帮困基金会 and nothing since, so it is behind; a
leader pairing in 昆山 ends within 30 days of the day the demo is loaded.

Payments are dated outside January and February 2007 so that reports of the Spring
Festival period keep the bulletin's figures. The marker agreement is ``JC-2007-01``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from cases.models import Case, CaseStatus, HouseholdMember
from funds.models import Disbursement, DisbursementKind, EntryKind, Fund, FundKind
from funds.services import disbursement_post, income_post
from pairings.models import (
    Agreement,
    AgreementKind,
    AgreementPayment,
    Beneficiary,
    Period,
    Sponsor,
    SponsorKind,
    add_months,
    instalments_due,
)
from pairings.services import agreement_activate, agreement_payment_record
from unions.models import UnionUnit, User

MARKER = "JC-2007-01"
JINCHANG, KUNSHAN = "金阊区总工会", "昆山市总工会"
BANK, CUSTOMS = "中国农业银行苏州分行", "苏州海关"
STAFF = "市总机关全体工作人员"
LEADER = "昆山市总工会主席"
SCHOOLS = ("昆山中学", "震川中学")
BULLETIN_START = datetime.date(2007, 1, 1)
LONG_END = datetime.date(2030, 12, 31)
# Money paid in the Spring Festival campaign (January and February 2007) is the
# bulletin's; instalments that fell due then were paid on this day.
AFTER_CAMPAIGN = datetime.date(2007, 3, 1)
STUDENT_AID_DRIVE = datetime.date(2007, 2, 5)


def _save(obj, user):
    obj._history_user = user
    obj.full_clean()
    obj.save()
    return obj


def _due_dates(agreement: Agreement, until: datetime.date) -> list[datetime.date]:
    """The days each instalment of ``agreement`` fell due, up to ``until``."""
    if agreement.period == Period.ONCE:
        return [agreement.start] if agreement.start <= until else []
    count = instalments_due(agreement.start, agreement.end, agreement.period, until)
    step = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}[agreement.period]
    return [add_months(agreement.start, step * n) for n in range(count)]


def load(*, password: str, log) -> None:
    if Agreement.objects.filter(number=MARKER).exists():
        return
    units = {u.name: u for u in UnionUnit.objects.filter(name__in=[JINCHANG, KUNSHAN])}
    heads = {u.username: u for u in User.objects.filter(username__endswith="_head")}
    workers = list(
        Case.objects.filter(unit__name=JINCHANG, status=CaseStatus.LONG_TERM).order_by("pk")[:7]
    )
    pupils = list(
        HouseholdMember.objects.filter(case__unit__name=KUNSHAN, school__in=SCHOOLS)
        .select_related("case")
        .order_by("pk")[:6]
    )
    if len(units) < 2 or len(workers) < 7 or len(pupils) < 6 or not heads:
        log("结对帮困：未找到金阊特困职工或昆山学生，跳过")
        return
    jinchang_head, kunshan_head = heads["jinchang_head"], heads["kunshan_head"]
    today = timezone.localdate()

    def sponsor(name, kind, unit, user, contact=""):
        found = Sponsor.objects.filter(name=name).first()
        return found or _save(
            Sponsor(name=name, kind=kind, unit=units[unit], contact=contact), user
        )

    def agreement(number, sponsor, unit, kind, amount, period, start, end, people, user, notes):
        new = _save(
            Agreement(
                number=number,
                sponsor=sponsor,
                unit=units[unit],
                kind=kind,
                amount=Decimal(amount),
                period=period,
                start=start,
                end=end,
                notes=notes,
            ),
            user,
        )
        beneficiaries = [
            _save(Beneficiary(agreement=new, case=case, student=student), user)
            for case, student in people
        ]
        agreement_activate(agreement=new, acting_user=user)
        new.refresh_from_db()
        return new, beneficiaries

    payments = 0

    def pay(beneficiaries, agreement, user, *, fund=None, until=today, moved=AFTER_CAMPAIGN):
        nonlocal payments
        for due in _due_dates(agreement, until):
            paid_on = max(due, moved)
            for beneficiary in beneficiaries:
                agreement_payment_record(
                    beneficiary=beneficiary,
                    paid_on=paid_on,
                    amount=agreement.amount,
                    fund=fund,
                    receipt_signed=True,
                    acting_user=user,
                )
                payments += 1

    # 金阊 × 农行: 4 workers, 1,200元 a year each, paid by the bank directly, up to date.
    bank, bank_people = agreement(
        MARKER,
        sponsor(BANK, SponsorKind.ORGANISATION, JINCHANG, jinchang_head, "行工会办公室"),
        JINCHANG,
        AgreementKind.HARDSHIP,
        "1200",
        Period.YEARLY,
        BULLETIN_START,
        LONG_END,
        [(case, None) for case in workers[:4]],
        jinchang_head,
        "结对帮困协议：使特困职工得到长期扶助。",
    )
    pay(bank_people, bank, jinchang_head)

    # 金阊 × 海关: 3 workers, 300元 a quarter each, through the district's foundation:
    # customs paid 2007 in and the foundation paid it out; nothing since, so it is behind.
    customs, customs_people = agreement(
        "JC-2007-02",
        sponsor(CUSTOMS, SponsorKind.ORGANISATION, JINCHANG, jinchang_head),
        JINCHANG,
        AgreementKind.HARDSHIP,
        "300",
        Period.QUARTERLY,
        BULLETIN_START,
        LONG_END,
        [(case, None) for case in workers[4:7]],
        jinchang_head,
        "结对帮困协议：使特困职工得到长期扶助。",
    )
    foundation = Fund.objects.filter(
        unit=units[JINCHANG], kind=FundKind.FOUNDATION, is_active=True
    ).first()
    year_2007 = datetime.date(2007, 12, 31)
    if foundation is not None:
        income_post(
            fund=foundation,
            kind=EntryKind.SPONSOR,
            amount=customs.amount * 4 * len(customs_people),
            entry_date=AFTER_CAMPAIGN,
            source=CUSTOMS,
            notes=f"{customs.number} 2007年结对帮困款",
            acting_user=jinchang_head,
        )
    pay(customs_people, customs, jinchang_head, fund=foundation, until=year_2007)

    # 昆山 staff × 6 pupils: 800元 each, once; the bulletin's 4,800元.
    staff = sponsor(STAFF, SponsorKind.INDIVIDUAL, KUNSHAN, kunshan_head)
    students, student_people = agreement(
        "KS-2007-01",
        staff,
        KUNSHAN,
        AgreementKind.STUDENT,
        "800",
        Period.ONCE,
        BULLETIN_START,
        datetime.date(2009, 7, 31),
        [(pupil.case, pupil) for pupil in pupils],
        kunshan_head,
        "寒假结对助学爱心捐助：昆山中学、震川中学6名品学兼优且家境贫困的学生。",
    )
    for beneficiary in student_people:
        disbursement = (
            Disbursement.objects.filter(
                case=beneficiary.case,
                kind=DisbursementKind.STUDENT_AID,
                disbursed_on=STUDENT_AID_DRIVE,
                agreement_payment__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if disbursement is None:  # funds.demo did not pay them: the staff paid directly
            disbursement = disbursement_post(
                case=beneficiary.case,
                disbursed_on=STUDENT_AID_DRIVE,
                kind=DisbursementKind.STUDENT_AID,
                cash_amount=students.amount,
                paid_directly_by=STAFF,
                paying_unit=units[KUNSHAN],
                receipt_signed=True,
                notes=students.number,
                acting_user=kunshan_head,
            )
        _save(
            AgreementPayment(
                beneficiary=beneficiary, disbursement=disbursement, recorded_by=kunshan_head
            ),
            kunshan_head,
        )
        payments += 1

    # 领导结对 in 昆山: a year of 200元 a month from the union's chairman, paid up to date,
    # ending within 30 days of today.
    family = (
        Case.objects.filter(unit=units[KUNSHAN], status=CaseStatus.VERIFIED)
        .filter(activities__title="主席带队走访困难职工家庭")
        .order_by("pk")
        .first()
    ) or Case.objects.filter(unit=units[KUNSHAN], status=CaseStatus.VERIFIED).first()
    end = today + datetime.timedelta(days=20)
    start = add_months(end, -12)
    while add_months(start, 12) <= end:  # twelve instalments, none due on the last day
        start += datetime.timedelta(days=1)
    leader, leader_people = agreement(
        "KS-LD-01",
        sponsor(LEADER, SponsorKind.LEADER, KUNSHAN, kunshan_head),
        KUNSHAN,
        AgreementKind.LEADER,
        "200",
        Period.MONTHLY,
        start,
        end,
        [(family, None)],
        kunshan_head,
        "领导结对：市总主席带队走访后结对帮扶。",
    )
    pay(leader_people, leader, kunshan_head, moved=leader.start)

    log(f"结对帮困协议 4 份，协议支付 {payments} 笔")
