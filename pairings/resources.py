"""The pairing sheet (结对协议) and the 结对协议编号 column of the disbursement sheet.

The pairing sheet has one row per agreement and beneficiary; rows with the same 协议编号
describe one agreement. Chinese Excel users merge the agreement's cells over its rows,
which reads back as blanks: a blank agreement cell below the first row means "as
above", a different value is refused. An import adds agreements, beneficiaries and
sponsors and changes an agreement's terms; it never removes a beneficiary (that is done
in the admin, where the reason is seen), and it cannot terminate an agreement (the
sheet has no column for the reason the admin asks for).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import CharField, F, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.forms import Field as FormField
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.idnumbers import mask_id_number
from cases.models import Case, HouseholdMember
from cases.resources import IdNumberWidget, sees_full_id_numbers
from funds.resources import (
    DisbursementImport,
    DisbursementResource,
    PostingLoader,
    unit_widget,
)
from pairings.models import (
    Agreement,
    AgreementKind,
    AgreementPayment,
    AgreementStatus,
    Beneficiary,
    Period,
    Sponsor,
    SponsorKind,
)
from pairings.permissions import ADD_AGREEMENT, ADD_BENEFICIARY, CHANGE_AGREEMENT
from sheets import (
    LOOKUP_CHUNK,
    NEW,
    SKIP,
    UPDATE,
    ChoiceWidget,
    DateWidget,
    ImportContext,
    KeyLoader,
    MoneyWidget,
    SheetField,
    SheetResource,
    SheetRow,
    TextWidget,
    name_key,
)
from sheets.bulk import insert_history, insert_with_history, update_rows

# --- 发放记录, with the column only pairings can fill ----------------------------------------


@dataclass(eq=False, kw_only=True)
class PairedDisbursementImport(DisbursementImport):
    agreements: dict[str, Agreement] = field(default_factory=dict)  # the file's, by number
    beneficiaries: dict[tuple[int, int], int] = field(default_factory=dict)  # (agreement, case)
    payments: dict[int, int] = field(default_factory=dict)  # row number -> beneficiary pk
    paid_under: dict[int, str] = field(default_factory=dict)  # disbursement -> agreement number


class PaidUnderLoader(PostingLoader):
    """The postings on file, and the agreement each was paid under."""

    def load(self, rows: list[SheetRow]) -> None:
        super().load(rows)
        posted = [row.record.pk for row in rows if row.import_type == UPDATE]
        paid_under = self.context.paid_under
        for start in range(0, len(posted), LOOKUP_CHUNK):
            paid_under.update(
                AgreementPayment.objects.filter(
                    disbursement_id__in=posted[start : start + LOOKUP_CHUNK]
                ).values_list("disbursement_id", "beneficiary__agreement__number")
            )


class PairedDisbursementResource(DisbursementResource):
    """发放记录 with 结对协议编号: a payment made under a pairing agreement.

    A cash row naming an agreement and no fund was paid by the sponsor directly (as
    ``agreement_payment_record`` records it without a fund).
    """

    agreement = SheetField(
        "agreement",
        "结对协议编号",
        TextWidget(max_length=40),
        readonly=True,
        export_lookup="agreement_payment__beneficiary__agreement__number",
    )

    context_class = PairedDisbursementImport
    loader_class = PaidUnderLoader

    class Meta(DisbursementResource.Meta):
        fields = (*DisbursementResource.Meta.fields[:-1], "agreement", "notes")

    def resolve_rows(self, rows: list[SheetRow], context: PairedDisbursementImport) -> None:
        super().resolve_rows(rows, context)
        numbers = sorted({row.values["agreement"] for row in rows if row.values.get("agreement")})
        agreements = Agreement.objects.for_user(context.user).select_related("sponsor")
        context.agreements = {a.number: a for a in agreements.filter(number__in=numbers)}
        links = Beneficiary.objects.filter(agreement__in=context.agreements.values()).order_by(
            "pk"
        )
        for agreement_id, case_id, pk in links.values_list("agreement_id", "case_id", "pk"):
            context.beneficiaries.setdefault((agreement_id, case_id), pk)

    def validate_row(self, row: SheetRow, context: PairedDisbursementImport) -> None:
        super().validate_row(row, context)
        number = row.values.get("agreement") or ""
        d = row.instance
        if row.import_type != NEW:
            if number != context.paid_under.get(d.pk, ""):
                row.add_error(self.column_of("agreement"), self.posted_message())
            return
        if not number:
            return
        agreement = context.agreements.get(number)
        if agreement is None:
            row.add_error(
                self.column_of("agreement"),
                _("Unknown pairing agreement, or outside your scope: %(value)s.")
                % {"value": number},
            )
            return
        if agreement.status != AgreementStatus.ACTIVE:
            row.add_error(
                self.column_of("agreement"),
                _("Payments are recorded only under an agreement in effect."),
            )
        if not agreement.start <= d.disbursed_on <= agreement.end:
            row.add_error(
                self.column_of("disbursed_on"),
                _("The payment date falls outside the agreement's period."),
            )
        beneficiary = context.beneficiaries.get((agreement.pk, d.case_id))
        if beneficiary is None:
            row.add_error(
                self.column_of("case"),
                _("This person is not a beneficiary of agreement %(number)s.")
                % {"number": number},
            )
        else:
            context.payments[row.number] = beneficiary
        if d.fund_id is None and d.cash_amount:
            d.paid_directly_by = agreement.sponsor.name

    def write(self, rows: list[SheetRow], context: PairedDisbursementImport) -> None:
        super().write(rows, context)
        payments = [
            AgreementPayment(
                beneficiary_id=context.payments[row.number],
                disbursement_id=row.instance.pk,
                recorded_by=context.user,
            )
            for row in rows
            if row.import_type == NEW and row.number in context.payments
        ]
        insert_with_history(AgreementPayment, payments, user=context.user, now=timezone.now())


# --- 结对协议 ------------------------------------------------------------------------------

#: The columns that describe the agreement (the same on every row of it).
AGREEMENT_COLUMNS = (
    "sponsor",
    "sponsor_kind",
    "kind",
    "unit",
    "amount",
    "period",
    "start",
    "end",
    "status",
)
#: Columns a new agreement must fill (on its first row, or any row of it).
REQUIRED_FOR_NEW = ("sponsor", "kind", "unit", "amount", "period", "start", "end")


@dataclass
class AgreementGroup:
    """The rows of one 协议编号, and what they say about the agreement."""

    number: str
    rows: list[SheetRow]
    values: dict[str, Any] = field(default_factory=dict)
    on_file: Agreement | None = None
    agreement: Agreement | None = None
    sponsor: Sponsor | None = None
    changed: dict[str, Any] = field(default_factory=dict)  # attribute -> old value


@dataclass(eq=False, kw_only=True)
class AgreementImport(ImportContext):
    groups: dict[str, AgreementGroup] = field(default_factory=dict)  # by 协议编号
    # (agreement, case, student) -> beneficiary pk, of the agreements on file
    existing_beneficiaries: dict[tuple[int, int, int | None], int] = field(default_factory=dict)
    students_of: dict[tuple[int, int], list[int | None]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (agreement, case) -> the students paired under it
    sponsors: dict[str, list[Sponsor]] = field(default_factory=lambda: defaultdict(list))
    new_sponsors: dict[tuple[int, str], Sponsor] = field(default_factory=dict)  # (unit, name)


class BeneficiaryLoader(KeyLoader):
    """A row is the beneficiary on file of its agreement (unchanged), or a new one."""

    context: AgreementImport

    def load_records(self, rows: list[SheetRow]) -> None:
        existing = self.context.existing_beneficiaries
        for row in rows:
            if not row.plannable:
                continue
            number, case_id, student_id = row.key
            group = self.context.groups[number]
            pk = group.on_file and existing.get((group.on_file.pk, case_id, student_id))
            if pk:
                row.instance = Beneficiary(pk=pk, case_id=case_id, student_id=student_id)
                row.import_type = SKIP
            else:
                row.instance = Beneficiary(case_id=case_id, student_id=student_id)
                row.import_type = NEW


class AgreementResource(SheetResource):
    """结对协议: one row per agreement and beneficiary, keyed by (协议编号, 帮扶对象身份证号)."""

    sheet_title = "结对协议"
    import_permissions = (
        ADD_AGREEMENT,
        CHANGE_AGREEMENT,
        ADD_BENEFICIARY,
    )
    export_filters = {"unit": "unit"}
    export_ordering = ("agreement__number", "pk")
    listed_by = "agreement"  # the admin lists agreements; the sheet has their beneficiaries
    context_class = AgreementImport
    loader_class = BeneficiaryLoader

    # Every column is "readonly" to the engine: this sheet plans and writes itself.
    number = SheetField(
        "number",
        "协议编号",
        TextWidget(max_length=40),
        required=True,
        readonly=True,
        export_lookup="agreement__number",
    )
    sponsor = SheetField(
        "sponsor",
        "结对方",
        TextWidget(max_length=100),
        readonly=True,
        export_lookup="agreement__sponsor__name",
    )
    sponsor_kind = SheetField(
        "sponsor_kind",
        "结对方类型",
        ChoiceWidget(SponsorKind),
        readonly=True,
        export_lookup="agreement__sponsor__kind",
    )
    kind = SheetField(
        "kind",
        "结对类型",
        ChoiceWidget(AgreementKind),
        readonly=True,
        export_lookup="agreement__kind",
    )
    unit = SheetField(
        "unit", "签约工会", unit_widget(), readonly=True, export_lookup="agreement__unit__name"
    )
    beneficiary = SheetField(
        "beneficiary",
        "帮扶对象身份证号",
        IdNumberWidget(),
        required=True,
        readonly=True,
        export_lookup="beneficiary_id_number",
    )
    amount = SheetField(
        "amount",
        "帮扶标准（元）",
        MoneyWidget(positive=True),
        readonly=True,
        export_lookup="agreement__amount",
    )
    period = SheetField(
        "period", "周期", ChoiceWidget(Period), readonly=True, export_lookup="agreement__period"
    )
    start = SheetField(
        "start", "开始日期", DateWidget(), readonly=True, export_lookup="agreement__start"
    )
    end = SheetField(
        "end", "结束日期", DateWidget(), readonly=True, export_lookup="agreement__end"
    )
    status = SheetField(
        "status",
        "状态",
        ChoiceWidget(AgreementStatus),
        readonly=True,
        export_lookup="effective_status",
    )

    class Meta(SheetResource.Meta):
        model = Beneficiary
        fields = (
            "number",
            "sponsor",
            "sponsor_kind",
            "kind",
            "unit",
            "beneficiary",
            "amount",
            "period",
            "start",
            "end",
            "status",
        )
        import_id_fields = ["number"]

    @property
    def full_id_numbers(self) -> bool:
        return sees_full_id_numbers(self.user)

    def get_queryset(self):
        # The student's number for a student pairing, else the case's; 到期 from the date.
        return (
            super()
            .get_queryset()
            .annotate(
                beneficiary_id_number=Coalesce(
                    NullIf(F("student__id_number"), Value("")), F("case__id_number")
                ),
                effective_status=When_(
                    When(
                        agreement__status=AgreementStatus.ACTIVE,
                        agreement__end__lt=timezone.localdate(),
                        then=Value(AgreementStatus.EXPIRED),
                    ),
                    default=F("agreement__status"),
                    output_field=CharField(),
                ),
            )
        )

    # --- import: the agreements of the file ---

    def resolve_rows(self, rows: list[SheetRow], context: AgreementImport) -> None:
        """The file's agreements (one group of rows each) and each row's beneficiary."""
        for row in rows:
            number = row.values.get("number")
            if number is None:
                continue
            group = context.groups.setdefault(number, AgreementGroup(number, []))
            group.rows.append(row)
            self._merge(group, row)
        self._load_agreements(context)
        self._resolve_beneficiaries(rows, context)

    def compute_keys(self, rows: list[SheetRow], context: AgreementImport) -> None:
        """(协议编号, case, student): one row per agreement and beneficiary."""
        for row in rows:
            if row.plannable:
                beneficiary = row.resolved.get("beneficiary")
                row.key = (row.key, *beneficiary) if beneficiary else None

    def _merge(self, group: AgreementGroup, row: SheetRow) -> None:
        """Blank agreement cells below the first row mean "as above" (merged cells)."""
        first = group.rows[0]
        for attribute in AGREEMENT_COLUMNS:
            value = row.values.get(attribute)
            if value is None:
                if attribute in group.values:
                    row.values[attribute] = group.values[attribute]
                continue
            if attribute not in group.values or group.values[attribute] is None:
                group.values[attribute] = value
            elif group.values[attribute] != value:
                row.add_error(
                    self.fields[attribute].column_name,
                    _(
                        "Differs from row %(row)d: the rows of one agreement (one 协议编号) "
                        "describe it alike."
                    )
                    % {"row": first.number},
                )

    def _load_agreements(self, context: AgreementImport) -> None:
        numbers = list(context.groups)
        scope = context.scope_unit_ids
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            for agreement in Agreement.objects.filter(number__in=chunk).select_related("sponsor"):
                group = context.groups[agreement.number]
                if agreement.unit_id in scope:
                    group.on_file = agreement
                    continue
                # Numbers are unique city-wide: say it is taken, not by whom.
                for row in group.rows:
                    row.refuse(
                        self.column_of("number"), _("This agreement number is already in use.")
                    )
        on_file = [g.on_file.pk for g in context.groups.values() if g.on_file]
        for start in range(0, len(on_file), LOOKUP_CHUNK):
            links = Beneficiary.objects.filter(
                agreement_id__in=on_file[start : start + LOOKUP_CHUNK]
            ).order_by("pk")
            for pk, agreement_id, case_id, student_id in links.values_list(
                "pk", "agreement_id", "case_id", "student_id"
            ):
                context.existing_beneficiaries[agreement_id, case_id, student_id] = pk
                context.students_of[agreement_id, case_id].append(student_id)

    def _resolve_beneficiaries(self, rows: list[SheetRow], context: AgreementImport) -> None:
        """Each ID number to a case, or for 助学 to a student in a case's household."""
        wanted = sorted(
            {row.values["beneficiary"] for row in rows if row.values.get("beneficiary")}
        )
        cases: dict[str, int] = {}
        members: dict[str, tuple[int, int]] = {}
        scoped_cases = Case.objects.for_user(context.user)
        scoped_members = HouseholdMember.objects.for_user(context.user).order_by("pk")
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            cases.update(scoped_cases.filter(id_number__in=chunk).values_list("id_number", "pk"))
            for id_number, pk, case_id in scoped_members.filter(id_number__in=chunk).values_list(
                "id_number", "pk", "case_id"
            ):
                members.setdefault(id_number, (pk, case_id))
        for row in rows:
            id_number, number = row.values.get("beneficiary"), row.key
            if not row.plannable or id_number is None:
                continue  # no key, refused, or the ID number's own error says why
            group = context.groups[number]
            kind = group.values.get("kind") or getattr(group.on_file, "kind", None)
            # A pupil without an ID number on file is exported under the parent's.
            known = (
                context.students_of.get((group.on_file.pk, cases.get(id_number)), [])
                if group.on_file and id_number in cases
                else []
            )
            if kind == AgreementKind.STUDENT:
                if id_number in members:
                    student, case = members[id_number]
                elif len(known) == 1:
                    student, case = known[0], cases[id_number]
                else:
                    row.refuse(
                        self.column_of("beneficiary"),
                        _(
                            "A student pairing names the student: enter the child's ID "
                            "number, registered as a household member of a case on file."
                        )
                        if id_number in cases
                        else _("No one with this ID number is on file in your units."),
                    )
                    continue
            elif id_number in cases:
                student, case = None, cases[id_number]
            else:
                row.refuse(
                    self.column_of("beneficiary"),
                    _("This is a household member, not a case on file: pair the case itself.")
                    if id_number in members
                    else _("No one with this ID number is on file in your units."),
                )
                continue
            row.resolved["beneficiary"] = (case, student)

    def duplicate_key_message(self, other: int) -> str:
        return _("The same agreement and beneficiary as row %(other)d.") % {"other": other}

    def plan_row(self, row: SheetRow, context: ImportContext) -> None:
        """The loader planned the row (new or unchanged beneficiary); ``plan_groups``
        plans its agreement."""

    def clean_instance(self, row: SheetRow, context: ImportContext) -> None:
        """Beneficiary's rules are checked while resolving (student in the household)."""

    # --- import: the rules, per agreement ---

    def plan_groups(self, rows: list[SheetRow], context: AgreementImport) -> None:
        """Plan the agreements: each from the first planned row of its 协议编号."""
        self._load_sponsors(context)
        for group in context.groups.values():
            planned = [row for row in group.rows if row.plannable]
            if planned:
                self._plan_agreement(group, planned[0], context)

    def _load_sponsors(self, context: AgreementImport) -> None:
        names = {name_key(g.values.get("sponsor")) for g in context.groups.values()}
        for sponsor in Sponsor.objects.for_user(context.user).order_by("pk"):
            key = name_key(sponsor.name)
            if key in names:
                context.sponsors[key].append(sponsor)

    def _plan_agreement(
        self, group: AgreementGroup, first: SheetRow, context: AgreementImport
    ) -> None:
        values, on_file = group.values, group.on_file
        if on_file is None:
            for attribute in REQUIRED_FOR_NEW:
                column = self.fields[attribute].column_name
                unreadable = any(c == column for row in group.rows for c, _m in row.errors)
                if values.get(attribute) is None and not unreadable:
                    first.add_error(column, str(FormField.default_error_messages["required"]))
            agreement = Agreement(number=group.number, status=AgreementStatus.DRAFT)
        else:
            agreement = _copy(on_file)
        for attribute in ("kind", "amount", "period", "start", "end"):
            if values.get(attribute) is not None:
                self._set(group, agreement, attribute, values[attribute])
        if values.get("unit") is not None:
            unit = self.fields["unit"].widget.rows[values["unit"]]
            if not unit["is_active"] and (on_file is None or on_file.unit_id != values["unit"]):
                first.add_error(self.column_of("unit"), _("This union unit is no longer active."))
            self._set(group, agreement, "unit", values["unit"], attname="unit_id")
        self._plan_status(group, agreement, first, context)
        self._plan_sponsor(group, agreement, first, context)
        group.agreement = agreement
        if group.changed and first.import_type == SKIP:
            first.import_type = UPDATE
        first.old.update(group.changed)
        try:
            agreement.clean()
        except ValidationError as error:
            columns = {
                "end": self.column_of("end"),
                "termination_reason": self.column_of("status"),
            }
            for attribute, messages in error.message_dict.items():
                for message in messages:
                    first.add_error(columns.get(attribute, self.column_of("number")), message)

    @staticmethod
    def _set(group, agreement, attribute, value, attname=None) -> None:
        attname = attname or attribute
        old = getattr(agreement, attname)
        if group.on_file is not None and old != value:
            group.changed[attribute] = old
        setattr(agreement, attname, value)

    def _plan_status(
        self,
        group: AgreementGroup,
        agreement: Agreement,
        first: SheetRow,
        context: AgreementImport,
    ) -> None:
        wanted = group.values.get("status")
        if wanted is None:
            return
        on_file = group.on_file
        current = on_file.effective_status if on_file else None
        if wanted == current:
            return
        label = self.fields["status"].widget.render
        if wanted == AgreementStatus.EXPIRED:
            if agreement.end is None or agreement.end >= context.today:
                first.add_error(
                    self.column_of("status"), _("The agreement has not reached its end date yet.")
                )
                return
            wanted = AgreementStatus.ACTIVE  # 到期 follows from the date (effective_status)
        if wanted == AgreementStatus.TERMINATED:
            first.add_error(
                self.column_of("status"),
                _("To terminate an agreement, give the reason: terminate it in the admin."),
            )
        elif current == AgreementStatus.TERMINATED:
            first.add_error(
                self.column_of("status"),
                _("A terminated agreement cannot be put back into effect."),
            )
        elif wanted == AgreementStatus.DRAFT and current not in (None, AgreementStatus.DRAFT):
            first.add_error(
                self.column_of("status"),
                _("An agreement in effect (%(status)s) cannot go back to draft.")
                % {"status": label(current)},
            )
        elif agreement.status != wanted:
            self._set(group, agreement, "status", wanted)

    def _plan_sponsor(
        self,
        group: AgreementGroup,
        agreement: Agreement,
        first: SheetRow,
        context: AgreementImport,
    ) -> None:
        name, kind = group.values.get("sponsor"), group.values.get("sponsor_kind")
        if name is None:
            return
        unit_id = agreement.unit_id
        on_file = group.on_file
        if on_file is not None and name_key(on_file.sponsor.name) == name_key(name):
            sponsor = on_file.sponsor
        else:
            found = context.sponsors.get(name_key(name), [])
            # The signing unit's own sponsor of that name first, then the shared directory.
            found = sorted(found, key=lambda s: (s.unit_id != unit_id, s.pk))
            sponsor = found[0] if found else context.new_sponsors.get((unit_id, name_key(name)))
        if sponsor is None:
            if kind is None:
                first.add_error(self.column_of("sponsor_kind"), _("A new sponsor needs its kind."))
                return
            if unit_id is None:
                return
            sponsor = Sponsor(name=name, kind=kind, unit_id=unit_id)
            context.new_sponsors[unit_id, name_key(name)] = sponsor
        elif kind is not None and kind != sponsor.kind:
            first.add_error(
                self.column_of("sponsor_kind"),
                _("This sponsor is on file as %(kind)s.")
                % {"kind": self.fields["sponsor_kind"].widget.render(sponsor.kind)},
            )
        if on_file is not None and sponsor.pk != on_file.sponsor_id:
            group.changed["sponsor"] = on_file.sponsor.name
        group.sponsor = sponsor
        agreement.sponsor_id = sponsor.pk

    # --- import: writing ---

    def write(self, rows: list[SheetRow], context: AgreementImport) -> None:
        now, user = timezone.now(), context.user
        insert_with_history(Sponsor, list(context.new_sponsors.values()), user=user, now=now)
        new_agreements, changed = [], defaultdict(list)
        for group in context.groups.values():
            agreement = group.agreement
            if agreement is None:
                continue
            agreement.sponsor_id = group.sponsor.pk if group.sponsor else agreement.sponsor_id
            if group.on_file is None:
                new_agreements.append(agreement)
            elif group.changed:
                attnames = tuple(
                    sorted(
                        ("sponsor_id" if a == "sponsor" else "unit_id" if a == "unit" else a)
                        for a in group.changed
                    )
                )
                changed[attnames].append(agreement)
        insert_with_history(Agreement, new_agreements, user=user, now=now)
        for attnames, agreements in changed.items():
            update_rows(Agreement, attnames, agreements)
            insert_history(Agreement, agreements, "~", user=user, now=now)
        beneficiaries = []
        for row in rows:
            if row.import_type == NEW:
                row.instance.agreement_id = context.groups[row.key[0]].agreement.pk
                beneficiaries.append(row.instance)
        insert_with_history(Beneficiary, beneficiaries, user=user, now=now)

    # --- the preview and the export ---

    def object_repr(self, row: SheetRow, context: ImportContext) -> str:
        return f"{row.values.get('number', '')} · {row.values.get('beneficiary', '')}"

    def display_value(self, sheet_field: SheetField, value, context: ImportContext) -> str:
        if sheet_field.attribute == "beneficiary" and value and not self.full_id_numbers:
            return mask_id_number(value)
        return super().display_value(sheet_field, value, context)

    def export_renderer(self, sheet_field: SheetField):
        if sheet_field.attribute == "beneficiary" and not self.full_id_numbers:
            return mask_id_number
        return super().export_renderer(sheet_field)


def _copy(agreement: Agreement) -> Agreement:
    """A detached copy to plan changes on (the one on file stays as it was, for the diff)."""
    copy = Agreement(
        **{f.attname: getattr(agreement, f.attname) for f in Agreement._meta.concrete_fields}
    )
    copy._state.adding = False
    return copy


__all__ = [
    "AgreementImport",
    "AgreementResource",
    "BeneficiaryLoader",
    "PaidUnderLoader",
    "PairedDisbursementImport",
    "PairedDisbursementResource",
]
