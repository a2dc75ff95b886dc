"""The case register sheet (困难职工档案) of spreadsheets.md, for the admin and the CLI."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.idnumbers import birth_date_from_id, gender_from_id, mask_id_number, validate_id_number
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseStatus,
    CaseTransfer,
    Category,
    Cause,
    Gender,
    HardshipType,
)
from cases.permissions import ADD_CASE, CHANGE_CASE
from cases.permissions import VERIFY_CASE as VERIFY_PERMISSION
from cases.permissions import VIEW_FULL_ID_NUMBER as FULL_ID_PERMISSION
from cases.selectors import requirement_for, verification_blockers
from cases.services import case_apply_exit, case_apply_reopen, case_apply_verify
from cases.signals import cases_reclassified
from sheets import (
    LOOKUP_CHUNK,
    NEW,
    UPDATE,
    ChoiceWidget,
    DateWidget,
    ImportContext,
    IntegerWidget,
    MoneyWidget,
    PhoneWidget,
    ScopedForeignKeyWidget,
    ScopedManyToManyWidget,
    SheetField,
    SheetResource,
    SheetRow,
    SheetWidget,
    TextWidget,
    cell_text,
)
from unions.models import UnionUnit

# Statuses only an approver may set. spreadsheets.md names 在档 and 已脱困; 长期救助 is
# further along the same path (在档 → 长期救助), so letting a clerk set it would skip the
# verification the rule exists for.
APPROVER_STATUSES = frozenset({CaseStatus.VERIFIED, CaseStatus.LONG_TERM, CaseStatus.EXITED})
# 18 digits never survive a number cell (Excel keeps 15 significant digits).
_EXACT_NUMBER_LIMIT = 10**15


class IdNumberWidget(SheetWidget):
    """A resident ID number: validated and stored in its canonical 18-character form."""

    text_column = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today: datetime.date | None = None

    def prepare(self, resource) -> None:
        # Once per import, not per row: the latest possible birth date.
        self.today = timezone.localdate()

    def parse(self, value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            # A number cell: a 15-digit legacy number is exact, 18 digits have lost some.
            text = str(int(value)) if abs(value) < _EXACT_NUMBER_LIMIT else repr(float(value))
        else:
            text = cell_text(value)
        return validate_id_number(text, today=self.today)


def sees_full_id_numbers(user) -> bool:
    """Whether ``user`` sees whole ID numbers (else export and preview mask them)."""
    return bool(user and user.has_perm(FULL_ID_PERMISSION))


@dataclass(eq=False, kw_only=True)
class CaseImport(ImportContext):
    can_verify: bool = False
    unit_names: dict[int, str] = field(default_factory=dict)
    # unit id -> whether its rule requires 公示 or the 授权委托书 (read once per unit).
    unit_requires: dict[int, bool] = field(default_factory=dict)


class CaseResource(SheetResource):
    """困难职工档案: one row per person, keyed by the ID number (unique city-wide)."""

    sheet_title = "困难职工档案"
    import_permissions = (ADD_CASE, CHANGE_CASE)
    export_filters = {"unit": "unit", "status": "status", "category": "category"}
    # Each row is checked against the register and its own ID number (the exclusions'
    # check reads a chunk's files at once): a million-row sheet in bounded memory.
    chunk_rows = 20_000
    context_class = CaseImport

    name = SheetField("name", "姓名", TextWidget(max_length=50), required=True)
    id_number = SheetField("id_number", "身份证号", IdNumberWidget(), required=True)
    gender = SheetField("gender", "性别", ChoiceWidget(Gender), readonly=True)
    birth_date = SheetField("birth_date", "出生日期", DateWidget(), readonly=True)
    unit = SheetField(
        "unit",
        "所属工会",
        ScopedForeignKeyWidget(
            UnionUnit,
            lookup_fields=("name", "code"),
            unknown_message=gettext_lazy("Unknown union unit, or outside your scope: %(value)s."),
            extra_values=("is_active",),
        ),
        required=True,
        export_lookup="unit__name",
    )
    employer = SheetField("employer", "工作单位", TextWidget(max_length=100))
    category = SheetField(
        "category",
        "困难类别",
        ChoiceWidget(
            Category,
            unknown_message=gettext_lazy("Unknown category %(value)s: choose one of %(choices)s."),
        ),
        required=True,
    )
    causes = SheetField(
        "causes",
        "致困原因",
        ScopedManyToManyWidget(
            Cause,
            lookup_fields=("name", "code"),
            unknown_message=gettext_lazy(
                "Unknown cause of hardship %(value)s: choose from %(choices)s."
            ),
        ),
    )
    household_size = SheetField(
        "household_size", "家庭人口", IntegerWidget(minimum=1, maximum=32767)
    )
    monthly_income_per_capita = SheetField(
        "monthly_income_per_capita", "家庭月人均收入（元）", MoneyWidget()
    )
    phone = SheetField("phone", "联系电话", PhoneWidget())
    address = SheetField("address", "家庭住址", TextWidget(max_length=200))
    registered_on = SheetField("registered_on", "建档日期", DateWidget())
    status = SheetField("status", "档案状态", ChoiceWidget(CaseStatus))
    certificate_number = SheetField("certificate_number", "救助证号", TextWidget(max_length=40))
    notes = SheetField("notes", "备注", TextWidget())
    # FILING.md's computed figures, after the spreadsheets.md columns: exported, and
    # ignored by the import (the services compute them; a sheet cannot set them).
    hardship_type = SheetField(
        "hardship_type", "困难类型", ChoiceWidget(HardshipType), readonly=True
    )
    annual_household_income = SheetField(
        "annual_household_income", "家庭年可支配收入（元）", MoneyWidget(), readonly=True
    )
    annual_rigid_expenses = SheetField(
        "annual_rigid_expenses", "年刚性支出（元）", MoneyWidget(), readonly=True
    )

    class Meta(SheetResource.Meta):
        model = Case
        fields = (
            "name",
            "id_number",
            "gender",
            "birth_date",
            "unit",
            "employer",
            "category",
            "causes",
            "household_size",
            "monthly_income_per_capita",
            "phone",
            "address",
            "registered_on",
            "status",
            "certificate_number",
            "notes",
            "hardship_type",
            "annual_household_income",
            "annual_rigid_expenses",
        )
        import_id_fields = ["id_number"]

    @property
    def full_id_numbers(self) -> bool:
        return sees_full_id_numbers(self.user)

    # --- import ---

    def start_import(self, context: CaseImport) -> None:
        user = context.user
        context.can_verify = bool(user and user.has_perm(VERIFY_PERMISSION))
        context.unit_names = dict(UnionUnit.objects.values_list("pk", "name"))

    def out_of_scope_message(self, instance: Case, context: CaseImport) -> str:
        # The same words as Case.validate_unique: the clerk learns whom to call, nothing else.
        return _("This person is already on file at %(unit)s.") % {
            "unit": context.unit_names.get(instance.unit_id, "")
        }

    def plan_row(self, row: SheetRow, context: CaseImport) -> None:
        super().plan_row(row, context)
        case = row.instance
        exits = row.import_type != NEW and "status" in row.old and case.status == CaseStatus.EXITED
        if exits and ("certificate_number" not in row.old or not case.certificate_number):
            # The exit lets the aid certificate lapse, as the admin's does: a row that sets
            # 已脱困 and leaves 救助证号 as exported (or blank) is exited here, before the
            # checks, so the clerk need not blank the column. Another number typed in is
            # a contradiction Case.clean refuses.
            number = case.certificate_number
            row.extra_changed.update(self._exit(case, context))
            if number:
                row.old["certificate_number"] = number

    def _exit(self, case: Case, context: CaseImport) -> set[str]:
        return case_apply_exit(case, on=context.today, reason=_("Set by a spreadsheet import."))

    def validate_row(self, row: SheetRow, context: CaseImport) -> None:
        values, case = row.values, row.instance
        id_number = row.key
        gender = values.get("gender")
        if gender and gender != gender_from_id(id_number):
            row.add_error(
                self.column_of("gender"),
                _("Does not match the ID number, which says %(gender)s.")
                % {"gender": self.fields["gender"].widget.render(gender_from_id(id_number))},
            )
        birth_date = values.get("birth_date")
        if birth_date and birth_date != birth_date_from_id(id_number):
            row.add_error(
                self.column_of("birth_date"),
                _("Does not match the ID number, which says %(date)s.")
                % {"date": birth_date_from_id(id_number).isoformat()},
            )
        is_new = row.import_type == NEW
        unit = self.fields["unit"].widget.rows.get(case.unit_id)
        if unit and not unit["is_active"] and (is_new or "unit" in row.old):
            row.add_error(self.column_of("unit"), _("This union unit is no longer active."))
        self._check_status(row, is_new, context)
        self._check_verifiable(row, is_new, context)

    def _check_verifiable(self, row: SheetRow, is_new: bool, context: CaseImport) -> None:
        """A row that verifies a file meets the notice and consent rules, as the verify
        service does; temporary files change status through their own services only."""
        case = row.instance
        status = case.status
        old_status = None if is_new else row.old.get("status", status)
        if status == old_status:
            return
        if status in (CaseStatus.TEMPORARY, CaseStatus.LAPSED) or old_status in (
            CaseStatus.TEMPORARY,
            CaseStatus.LAPSED,
        ):
            row.add_error(
                self.column_of("status"),
                _("A temporary file is created, converted and lapses in the admin, not here."),
            )
            return
        if status not in (CaseStatus.VERIFIED, CaseStatus.LONG_TERM):
            return
        if old_status not in (None, CaseStatus.PENDING):
            return
        if is_new:
            # No notice or consent can be on file for a person not yet on file.
            if case.unit_id not in context.unit_requires:
                rule = requirement_for(case.unit)
                context.unit_requires[case.unit_id] = bool(
                    rule and (rule.requires_notice or rule.requires_consent)
                )
            if not context.unit_requires[case.unit_id]:
                return
        blockers = verification_blockers(case, context.today)
        if blockers:
            row.add_error(
                self.column_of("status"),
                _("This file cannot be verified: %(reasons)s.") % {"reasons": "；".join(blockers)},
            )

    def _check_status(self, row: SheetRow, is_new: bool, context: CaseImport) -> None:
        status = row.instance.status
        if context.can_verify:
            return
        if is_new:
            allowed = status == CaseStatus.PENDING
        elif "status" in row.old:
            # Reopening an exited case is a clerk's job (cases.services.case_reopen).
            allowed = status == CaseStatus.PENDING and row.old["status"] == CaseStatus.EXITED
        else:
            allowed = True
        if not allowed:
            row.add_error(
                self.column_of("status"),
                _("Only an approver may set the status to %(status)s.")
                % {"status": self.fields["status"].widget.render(status)},
            )

    def validate_rows(self, rows: list[SheetRow], context: CaseImport) -> None:
        self._refuse_moves_under_transfer(rows)
        self._refuse_ticked_exclusions(rows)

    def _refuse_moves_under_transfer(self, rows: list[SheetRow]) -> None:
        """While a transfer is pending only its decision moves the file (as the case
        page's unit is read-only then): a row changing its unit is refused. The pending
        transfers of the moving rows' files are read at once, ``LOOKUP_CHUNK`` at a time
        (a reorganisation's sheet may move thousands)."""
        moving = {
            row.instance.pk: row
            for row in rows
            if row.plannable
            and row.instance is not None
            and row.import_type != NEW
            and "unit" in row.old
        }
        ids = list(moving)
        column = self.column_of("unit")
        for start in range(0, len(ids), LOOKUP_CHUNK):
            pending = CaseTransfer.objects.pending().filter(
                case_id__in=ids[start : start + LOOKUP_CHUNK]
            )
            for case_id, unit in pending.values_list("case_id", "to_unit__name"):
                moving[case_id].add_error(
                    column,
                    _(
                        "This file has a transfer awaiting %(unit)s: its unit changes only "
                        "when that is decided or withdrawn."
                    )
                    % {"unit": unit},
                )

    def _refuse_ticked_exclusions(self, rows: list[SheetRow]) -> None:
        """A row that puts a file on file (在档 or 长期救助 from another status) is refused
        while exclusions are ticked on it, as ``case_verify`` refuses it: one query for
        the whole sheet. A new file has none ticked (the sheet has no such column)."""
        verifying = {
            row.instance.pk: row
            for row in rows
            if row.plannable
            and row.instance is not None
            and row.import_type != NEW
            and "status" in row.old
            and row.old["status"] not in ACTIVE_STATUSES
            and row.instance.status in ACTIVE_STATUSES
        }
        if not verifying:
            return
        ticked: dict[int, list[str]] = {}
        links = (
            Case.exclusions.through.objects.filter(case_id__in=list(verifying))
            .order_by("exclusioncondition__sort_order", "exclusioncondition_id")
            .values_list("case_id", "exclusioncondition__text")
        )
        for case_id, text in links:
            ticked.setdefault(case_id, []).append(text)
        column = self.column_of("status")
        for case_id, conditions in ticked.items():
            verifying[case_id].add_error(
                column,
                _("This file cannot be verified: exclusions apply (%(conditions)s).")
                % {"conditions": "；".join(conditions)},
            )

    def prepare_instance(self, row: SheetRow, context: CaseImport, now: datetime.datetime) -> None:
        """What the services do on the same transitions (verify, exit, reopen)."""
        case = row.instance
        case.derive_from_id_number()  # bulk_create skips Case.save()
        is_new = row.import_type == NEW
        if not is_new and "status" not in row.old:
            return
        today = context.today
        old_status = None if is_new else row.old["status"]
        changed = row.extra_changed
        status = case.status
        # The transitions of cases.services, applied in memory: the sheet writes in bulk.
        if status == CaseStatus.EXITED:
            changed.update(self._exit(case, context))
            return
        if old_status == CaseStatus.EXITED:
            changed.update(case_apply_reopen(case))
            case.status = status
        elif status == CaseStatus.PENDING:
            # Sent back: it must be verified again.
            case.verified_on, case.verified_by = None, None
            changed.update({"verified_on", "verified_by"})
        if status != CaseStatus.PENDING and case.verified_on is None:
            changed.update(case_apply_verify(case, on=today, by=context.user, status=status))

    def write(self, rows: list[SheetRow], context: CaseImport) -> None:
        super().write(rows, context)
        # Written without save(): aid already paid to an updated file follows its
        # category and type (funds' breakdown of 人数).
        changed = [row.record.pk for row in rows if row.import_type == UPDATE]
        if changed:
            cases_reclassified.send(sender=Case, case_ids=changed)

    def object_repr(self, row: SheetRow, context: CaseImport) -> str:
        # As Case.__str__, without a query per row.
        return f"{row.instance.name}（{context.unit_names.get(row.instance.unit_id, '')}）"

    # --- export ---

    def export_renderer(self, sheet_field: SheetField):
        if not self.full_id_numbers:
            if sheet_field.attribute == "id_number":
                return mask_id_number
            if sheet_field.attribute == "birth_date":
                # The masked digits *are* the birth date: exporting it would undo the mask.
                return lambda value: ""
        return super().export_renderer(sheet_field)
