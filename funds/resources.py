"""The disbursement sheet (发放记录) and the ledger sheet (资金台账), for the admin and the CLI.

Both record money that has moved, so neither ever edits what it posted: a row that
matches a posting on file is "unchanged" (and only 是否签收 and 备注 of a disbursement
may change, as in the admin); every other row is a new posting, made with the rules of
``funds.services`` under the same locks. A row matches a posting on file when every
money column agrees (person, date, kind, amounts, fund, paying unit); rows are matched
to postings one to one, so an export re-imports unchanged even where one person was
paid the same twice on one day, while a new row that repeats another row of the same
file is refused as a probable copy-and-paste slip.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.idnumbers import mask_id_number
from cases.models import ACTIVE_STATUSES, Campaign, Case
from cases.resources import IdNumberWidget, sees_full_id_numbers
from funds import aggregates
from funds.models import (
    INCOME_KINDS,
    Disbursement,
    DisbursementKind,
    EntryKind,
    Fund,
    FundKind,
    LedgerEntry,
    note_on_file,
)
from funds.permissions import ADD_DISBURSEMENT, ADD_FUND, ADD_LEDGER_ENTRY, CHANGE_DISBURSEMENT
from funds.services import (
    FundsOverdrawn,
    disbursements_pay_out,
    incomes_post_many,
    lock_funds,
    not_on_file_message,
    overdrawn,
)
from sheets import (
    LOOKUP_CHUNK,
    NEW,
    SKIP,
    UPDATE,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    ImportContext,
    IntegerWidget,
    KeyLoader,
    MoneyWidget,
    RowsRefused,
    ScopedForeignKeyWidget,
    SheetError,
    SheetField,
    SheetResource,
    SheetRow,
    TextWidget,
    name_key,
)
from sheets.bulk import insert_with_history
from unions.models import UnionUnit


def unit_widget() -> ScopedForeignKeyWidget:
    return ScopedForeignKeyWidget(
        UnionUnit,
        lookup_fields=("name", "code"),
        unknown_message=gettext_lazy("Unknown union unit, or outside your scope: %(value)s."),
        extra_values=("is_active", "tree_path"),
    )


class PostingLoader(KeyLoader):
    """Rows matched one to one to the postings on file with the same posting key.

    A row left over (a new posting) that repeats an earlier new row of the file is
    refused as a probable copy-and-paste slip; repeats of postings on file are not.
    """

    resource: PostingSheet

    def load(self, rows: list[SheetRow]) -> None:
        resource = self.resource
        wanted = [row for row in rows if row.plannable]
        on_file: dict[tuple, list] = defaultdict(list)
        for instance in resource.existing_postings(wanted, self.context):
            on_file[resource.key_of(instance)].append(instance)
        first_new: dict[tuple, int] = {}
        for row in wanted:
            matches = on_file.get(row.key)
            if matches:
                row.instance = matches.pop(0)
                row.import_type = UPDATE
                continue
            other = first_new.setdefault(row.key, row.number)
            if other != row.number:
                row.refuse(resource.key_field.column_name, resource.duplicate_key_message(other))


class PostingSheet(SheetResource):
    """Rows that post money: matched one to one against postings on file (see above)."""

    loader_class = PostingLoader

    def compute_keys(self, rows: list[SheetRow], context: ImportContext) -> None:
        """Each row's posting key (``posting_key``): what it is matched by."""
        for row in rows:
            if row.plannable:
                row.key = self.posting_key(row, context)

    def posting_key(self, row: SheetRow, context: ImportContext) -> tuple | None:
        """What identifies the row's posting; None when a part of it failed."""
        raise NotImplementedError

    def existing_postings(self, rows: list[SheetRow], context: ImportContext):
        """The postings on file the rows may match (an iterable of model instances)."""
        raise NotImplementedError

    def key_of(self, instance) -> tuple:
        raise NotImplementedError


# --- 发放记录 ------------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class DisbursementImport(ImportContext):
    funds: dict[int, Fund] = field(default_factory=dict)  # the funds in scope, by pk
    funds_by_name: dict[str, list[Fund]] = field(default_factory=lambda: defaultdict(list))
    units: dict[int, UnionUnit] = field(default_factory=dict)  # the paying units in scope
    cases: dict[int, Case] = field(default_factory=dict)  # the people the file names


class DisbursementResource(PostingSheet):
    """发放记录: one row per disbursement to a person on file in the importer's scope."""

    sheet_title = "发放记录"
    import_permissions = (ADD_DISBURSEMENT, CHANGE_DISBURSEMENT)
    export_filters = {"unit": "paying_unit", "kind": "kind", "campaign": "campaign"}
    context_class = DisbursementImport

    case = SheetField(
        "case", "身份证号", IdNumberWidget(), required=True, export_lookup="case__id_number"
    )
    case_name = SheetField(
        "case_name",
        "姓名",
        TextWidget(max_length=50),
        required=True,
        readonly=True,
        export_lookup="case__name",
        aliases=("name",),
    )
    disbursed_on = SheetField("disbursed_on", "发放日期", DateWidget(), required=True)
    kind = SheetField(
        "kind",
        "发放类别",
        ChoiceWidget(
            DisbursementKind,
            unknown_message=gettext_lazy(
                "Unknown kind of aid %(value)s: choose one of %(choices)s."
            ),
        ),
        required=True,
    )
    cash_amount = SheetField("cash_amount", "金额（元）", MoneyWidget(positive=True))
    item = SheetField("item", "物资名称", TextWidget(max_length=50))
    quantity = SheetField("quantity", "数量", IntegerWidget(minimum=1, maximum=2**31 - 1))
    unit_value = SheetField("unit_value", "单价（元）", MoneyWidget())
    fund = SheetField("fund", "资金来源", TextWidget(max_length=100), export_lookup="fund__name")
    campaign = SheetField(
        "campaign",
        "活动",
        ScopedForeignKeyWidget(
            Campaign,
            unknown_message=gettext_lazy("Unknown campaign, or outside your scope: %(value)s."),
        ),
        export_lookup="campaign__name",
    )
    paying_unit = SheetField(
        "paying_unit", "发放单位", unit_widget(), required=True, export_lookup="paying_unit__name"
    )
    leader = SheetField("leader", "带队领导", TextWidget(max_length=50))
    handled_by = SheetField("handled_by", "经办人", TextWidget(max_length=50))
    receipt_signed = SheetField("receipt_signed", "是否签收", BooleanWidget())
    notes = SheetField("notes", "备注", TextWidget(max_length=200))

    class Meta(SheetResource.Meta):
        model = Disbursement
        fields = (
            "case",
            "case_name",
            "disbursed_on",
            "kind",
            "cash_amount",
            "item",
            "quantity",
            "unit_value",
            "fund",
            "campaign",
            "paying_unit",
            "leader",
            "handled_by",
            "receipt_signed",
            "notes",
        )
        import_id_fields = ["case"]

    def get_queryset(self):
        # Reversed disbursements were not paid: they are not aid, and not exported.
        return super().get_queryset().filter(is_reversed=False)

    @property
    def full_id_numbers(self) -> bool:
        return sees_full_id_numbers(self.user)

    # --- import ---

    def start_import(self, context: DisbursementImport) -> None:
        context.funds = {
            fund.pk: fund
            for fund in Fund.objects.for_user(context.user).select_related("unit").order_by("pk")
        }
        for fund in context.funds.values():
            context.funds_by_name[name_key(fund.name)].append(fund)
        # The paying units as records, so that Disbursement.clean() needs no query.
        context.units = {
            pk: UnionUnit(pk=pk, name=row["name"], tree_path=row["tree_path"])
            for pk, row in self.fields["paying_unit"].widget.rows.items()
        }

    def resolve_rows(self, rows: list[SheetRow], context: DisbursementImport) -> None:
        """Each ID number to a person on file in scope; each fund name to a fund."""
        id_numbers = sorted({row.values["case"] for row in rows if row.values.get("case")})
        by_id: dict[str, Case] = {}
        scoped = Case.objects.for_user(context.user).only("pk", "id_number", "name", "status")
        for start in range(0, len(id_numbers), LOOKUP_CHUNK):
            for case in scoped.filter(id_number__in=id_numbers[start : start + LOOKUP_CHUNK]):
                by_id[case.id_number] = case
        for row in rows:
            values = row.values
            id_number = values.get("case")
            if id_number is None:
                continue  # no key: the cell's own error says why
            case = by_id.get(id_number)
            if case is None:
                # Someone on file in another district looks exactly like no one.
                row.refuse(
                    self.column_of("case"),
                    _("No one with this ID number is on file in your units."),
                )
                continue
            context.cases[case.pk] = case
            row.resolved["case"] = case
            name = values.get("case_name")
            if name is not None and name_key(name) != name_key(case.name):
                row.add_error(
                    self.column_of("case_name"),
                    _("Does not match the name on file for this ID number (%(name)s).")
                    % {"name": case.name},
                )
            self._resolve_fund(row, context)

    def _resolve_fund(self, row: SheetRow, context: DisbursementImport) -> None:
        """A fund by name: the paying unit's own, else the nearest unit's above it."""
        values = row.values
        name = values.get("fund")
        if name is None:
            return
        unit = self.fields["paying_unit"].widget.rows.get(values.get("paying_unit"))
        if unit is None:
            return  # the unit's own error says enough; the fund is unknown
        candidates = [
            fund
            for fund in context.funds_by_name.get(name_key(name), ())
            if unit["tree_path"].startswith(fund.unit.tree_path)
        ]
        if not candidates:
            row.add_error(
                self.column_of("fund"),
                _("No fund called %(fund)s belongs to the paying unit or a unit above it.")
                % {"fund": name},
            )
            return
        fund = max(candidates, key=lambda f: len(f.unit.tree_path))
        if not fund.is_active:
            row.add_error(self.column_of("fund"), _("This fund is closed."))
        row.resolved["fund"] = fund

    def posting_key(self, row: SheetRow, context: ImportContext) -> tuple | None:
        values, case, fund = row.values, row.resolved.get("case"), row.resolved.get("fund")
        if case is None or values.get("disbursed_on") is None or values.get("kind") is None:
            return None
        if values.get("paying_unit") is None:
            return None
        # A fund cell that failed, or a name that found no fund: the posting is unknown.
        fund_named = "fund" not in values or values["fund"] is not None
        if fund_named and fund is None and row.errors:
            return None
        return self._key(
            case.pk,
            values["disbursed_on"],
            values["kind"],
            values.get("cash_amount"),
            values.get("item"),
            values.get("quantity"),
            values.get("unit_value"),
            fund.pk if fund else None,
            values["paying_unit"],
        )

    @staticmethod
    def _key(case, day, kind, cash, item, quantity, unit_value, fund, unit) -> tuple:
        if kind != DisbursementKind.GOODS:  # as disbursement_post: goods columns are ignored
            item, quantity, unit_value = "", None, None
        return (case, day, kind, cash, item or "", quantity, unit_value, fund, unit)

    def key_of(self, d: Disbursement) -> tuple:
        return self._key(
            d.case_id,
            d.disbursed_on,
            d.kind,
            d.cash_amount,
            d.item,
            d.quantity,
            d.unit_value,
            d.fund_id,
            d.paying_unit_id,
        )

    def existing_postings(self, rows: list[SheetRow], context: ImportContext):
        if not rows:
            return []
        case_ids = sorted({row.key[0] for row in rows})
        days = [row.key[1] for row in rows]
        found = []
        for start in range(0, len(case_ids), LOOKUP_CHUNK):
            found += Disbursement.objects.filter(
                case_id__in=case_ids[start : start + LOOKUP_CHUNK],
                disbursed_on__range=(min(days), max(days)),
                is_reversed=False,
            ).order_by("pk")
        return found

    def duplicate_key_message(self, other: int) -> str:
        return _(
            "The same payment as row %(other)d (person, date, kind, amount, fund and unit): "
            "each is entered once."
        ) % {"other": other}

    def validate_row(self, row: SheetRow, context: DisbursementImport) -> None:
        d = row.instance
        # plan_row put the person and the fund on it; the unit comes from the context, so
        # that Disbursement.clean() needs no query.
        d.paying_unit = context.units[d.paying_unit_id]
        if row.import_type == NEW:
            self._validate_new(row, context)
        else:
            for attribute in row.old:
                if attribute not in Disbursement.EDITABLE_AFTER_POSTING:
                    row.add_error(self.column_of(attribute), self.posted_message())

    def posted_message(self) -> str:
        return _(
            "This disbursement is already posted: only 是否签收 and 备注 can change. "
            "To correct it, reverse its ledger entry and enter it again."
        )

    def _validate_new(self, row: SheetRow, context: DisbursementImport) -> None:
        d = row.instance
        unit = self.fields["paying_unit"].widget.rows[d.paying_unit_id]
        if not unit["is_active"]:
            row.add_error(self.column_of("paying_unit"), _("This union unit is no longer active."))
        if d.case.status not in ACTIVE_STATUSES:
            row.add_error(self.column_of("case"), not_on_file_message(d.case))
        if d.kind != DisbursementKind.GOODS:
            d.item, d.quantity, d.unit_value = "", None, None
        d.posted_by = context.user

    def validate_rows(self, rows: list[SheetRow], context: DisbursementImport) -> None:
        """The new payments together, in file order, against each fund's balance now.

        Checked again under the funds' locks when writing (``disbursements_pay_out``).
        """
        new = [row for row in rows if row.import_type == NEW and not row.errors]
        balances = {pk: fund.balance for pk, fund in context.funds.items()}
        problems = overdrawn([row.instance for row in new], balances, context.funds)
        for index, message in problems:
            row = new[index]
            row.add_error(self._charge_column(row.instance), message)

    def _charge_column(self, d: Disbursement) -> str:
        return (
            self.column_of("unit_value")
            if d.kind == DisbursementKind.GOODS and not d.cash_amount
            else self.column_of("cash_amount")
        )

    def write(self, rows: list[SheetRow], context: DisbursementImport) -> None:
        new = [row for row in rows if row.import_type == NEW]
        now, user = timezone.now(), context.user
        # Two people importing one file at once both checked it before either wrote.
        # The funds' locks put them in turn; the second then finds the first's
        # postings here and is refused whole instead of paying everyone twice.
        lock_funds(*{row.instance.fund for row in new if row.instance.fund_id})
        self._refuse_posted_meanwhile(rows, new, context)
        try:
            disbursements_pay_out(
                [row.instance for row in new],
                acting_user=user,
                save_entries=lambda entries: insert_with_history(
                    LedgerEntry, entries, user=user, now=now
                ),
            )
        except FundsOverdrawn as refused:
            raise RowsRefused(
                [
                    SheetError(new[i].number, self._charge_column(new[i].instance), message)
                    for i, message in refused.problems
                ]
            )
        # The rows changed (a receipt signed, a note) come out of the aggregates before
        # the write and go back after it with the new ones (``funds.aggregates``).
        changed = [row.instance.pk for row in rows if row.import_type == UPDATE]
        # What the audit asks of a payment is decided now, as it is posted.
        note_on_file([row.instance for row in new])
        with aggregates.moved(changed):
            super().write(rows, context)
            aggregates.add(row.instance.pk for row in new)

    def _refuse_posted_meanwhile(
        self, rows: list[SheetRow], new: list[SheetRow], context: ImportContext
    ) -> None:
        on_file: dict[tuple, int] = defaultdict(int)
        for posting in self.existing_postings(new, context):
            on_file[self.key_of(posting)] += 1
        for row in rows:  # the postings this file already matched are spoken for
            if row.import_type != NEW and row.key in on_file:
                on_file[row.key] -= 1
        taken = []
        for row in new:
            if on_file.get(row.key, 0) > 0:
                on_file[row.key] -= 1
                taken.append(
                    SheetError(
                        row.number,
                        self.column_of("case"),
                        _(
                            "Someone else posted this payment while you were importing: "
                            "import the file again to see what is left."
                        ),
                    )
                )
        if taken:
            raise RowsRefused(taken)

    def object_repr(self, row: SheetRow, context: DisbursementImport) -> str:
        case = row.resolved.get("case")
        return f"{case.name if case else ''} {row.instance.disbursed_on}"

    def display_value(self, sheet_field: SheetField, value, context: DisbursementImport) -> str:
        if sheet_field.attribute == "case" and isinstance(value, int):
            case = context.cases.get(value)
            value = case.id_number if case else value
            return value if self.full_id_numbers else mask_id_number(value)
        if sheet_field.attribute == "fund" and isinstance(value, int):
            return context.funds[value].name if value in context.funds else str(value)
        return super().display_value(sheet_field, value, context)

    # --- export ---

    def export_renderer(self, sheet_field: SheetField):
        if sheet_field.attribute == "case" and not self.full_id_numbers:
            return mask_id_number
        return super().export_renderer(sheet_field)


# --- 资金台账 ------------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class LedgerImport(ImportContext):
    can_add_fund: bool = False
    funds_by_key: dict[tuple[int, str], Fund] = field(default_factory=dict)  # (unit, name)
    funds: dict[int, Fund] = field(default_factory=dict)
    new_funds: dict[tuple[int, str], Fund] = field(default_factory=dict)  # the file creates


class LedgerResource(PostingSheet):
    """资金台账: opening balances and money received; a new fund name creates the fund.

    The export lists every entry of the funds in scope (money out as negative amounts)
    and re-imports unchanged; a *new* row can only be money received.
    """

    sheet_title = "资金台账"
    import_permissions = (ADD_LEDGER_ENTRY,)
    export_filters = {"unit": "unit", "kind": "kind"}
    context_class = LedgerImport

    fund = SheetField(
        "fund", "资金名称", TextWidget(max_length=100), required=True, export_lookup="fund__name"
    )
    unit = SheetField(
        "unit",
        "所属工会",
        unit_widget(),
        required=True,
        readonly=True,
        export_lookup="fund__unit__name",
    )
    fund_kind = SheetField(
        "fund_kind",
        "资金类别",
        ChoiceWidget(
            FundKind,
            unknown_message=gettext_lazy(
                "Unknown kind of fund %(value)s: choose one of %(choices)s."
            ),
        ),
        readonly=True,
        export_lookup="fund__kind",
    )
    entry_date = SheetField("entry_date", "日期", DateWidget(), required=True)
    kind = SheetField(
        "kind",
        "收支类型",
        ChoiceWidget(
            EntryKind,
            unknown_message=gettext_lazy(
                "Unknown kind of entry %(value)s: choose one of %(choices)s."
            ),
        ),
        required=True,
    )
    amount = SheetField("amount", "金额（元）", MoneyWidget(signed=True), required=True)
    source = SheetField("source", "来源", TextWidget(max_length=100))
    notes = SheetField("notes", "备注", TextWidget(max_length=200))

    class Meta(SheetResource.Meta):
        model = LedgerEntry
        fields = ("fund", "unit", "fund_kind", "entry_date", "kind", "amount", "source", "notes")
        import_id_fields = ["fund"]

    def start_import(self, context: LedgerImport) -> None:
        user = context.user
        context.can_add_fund = bool(user and user.has_perm(ADD_FUND))
        context.funds_by_key = {
            (fund.unit_id, name_key(fund.name)): fund
            for fund in Fund.objects.for_user(user).order_by("pk")
        }
        context.funds = {fund.pk: fund for fund in context.funds_by_key.values()}

    # --- import ---

    def resolve_rows(self, rows: list[SheetRow], context: LedgerImport) -> None:
        """The fund of each row: on file in that unit, or one the file creates."""
        for row in rows:
            values = row.values
            unit_pk, name = values.get("unit"), values.get("fund")
            if unit_pk is None or name is None:
                continue  # no fund to look for: the cell's own error says why
            key = (unit_pk, name_key(name))
            fund = context.funds_by_key.get(key) or context.new_funds.get(key)
            fund_kind = values.get("fund_kind")
            if fund is None:
                if not context.can_add_fund:
                    row.refuse(
                        self.column_of("fund"),
                        _("No such fund in this unit, and you may not add funds."),
                    )
                    continue
                if fund_kind is None:
                    if not any(column == self.column_of("fund_kind") for column, _m in row.errors):
                        row.refuse(self.column_of("fund_kind"), _("A new fund needs its kind."))
                    continue  # else the kind's own error says why the fund is unknown
                fund = context.new_funds[key] = Fund(unit_id=unit_pk, name=name, kind=fund_kind)
            elif fund_kind is not None and fund_kind != fund.kind:
                row.add_error(
                    self.column_of("fund_kind"),
                    _("This fund is on file as %(kind)s.")
                    % {"kind": self.fields["fund_kind"].widget.render(fund.kind)},
                )
            row.resolved["fund"] = fund

    def posting_key(self, row: SheetRow, context: ImportContext) -> tuple | None:
        fund, values = row.resolved.get("fund"), row.values
        if fund is None:
            return None
        if values.get("entry_date") is None or values.get("kind") is None:
            return None
        if values.get("amount") is None:
            return None
        return (
            fund.pk or id(fund),  # a fund the file creates has no pk yet
            values["entry_date"],
            values["kind"],
            values["amount"],
            values.get("source") or "",
            values.get("notes") or "",
        )

    def key_of(self, entry: LedgerEntry) -> tuple:
        return (
            entry.fund_id,
            entry.entry_date,
            entry.kind,
            entry.amount,
            entry.source,
            entry.notes,
        )

    def existing_postings(self, rows: list[SheetRow], context: ImportContext):
        fund_ids = sorted({row.key[0] for row in rows if row.resolved["fund"].pk})
        if not fund_ids:
            return []
        days = [row.key[1] for row in rows]
        return LedgerEntry.objects.filter(
            fund_id__in=fund_ids, entry_date__range=(min(days), max(days))
        ).order_by("pk")

    def duplicate_key_message(self, other: int) -> str:
        return _(
            "The same entry as row %(other)d: each sum of money is entered once "
            "(if there really were two, tell them apart in 备注)."
        ) % {"other": other}

    def plan_row(self, row: SheetRow, context: ImportContext) -> None:
        super().plan_row(row, context)  # the resolved fund goes on the entry, saved or not
        if row.import_type == UPDATE:
            # Every stored column is part of the match: an entry on file is never changed.
            row.import_type, row.old = SKIP, {}

    def validate_row(self, row: SheetRow, context: LedgerImport) -> None:
        if row.import_type != NEW:
            return
        entry, fund = row.instance, row.resolved["fund"]
        if entry.kind not in INCOME_KINDS:
            row.add_error(
                self.column_of("kind"),
                _(
                    "Only money received can be imported (%(kinds)s): pay out through the "
                    "disbursement sheet; allocate and reverse in the admin."
                )
                % {"kinds": "、".join(self.fields["kind"].widget.render(k) for k in INCOME_KINDS)},
            )
        if entry.amount <= 0:
            row.add_error(self.column_of("amount"), _("The amount must be more than zero."))
        if entry.kind in (EntryKind.DONATION, EntryKind.SPONSOR) and not entry.source:
            row.add_error(self.column_of("source"), _("Name the donor or sponsor."))
        unit = self.fields["unit"].widget.rows.get(fund.unit_id)
        if unit and not unit["is_active"] and fund.pk is None:
            row.add_error(self.column_of("unit"), _("This union unit is no longer active."))
        entry.posted_by = context.user

    def clean_instance(self, row: SheetRow, context: ImportContext) -> None:
        # LedgerEntry has no cross-field rules of its own; income_post's are above.
        return

    def write(self, rows: list[SheetRow], context: LedgerImport) -> None:
        now, user = timezone.now(), context.user
        new = [row for row in rows if row.import_type == NEW]
        funds = list(context.new_funds.values())
        insert_with_history(Fund, funds, user=user, now=now)
        for row in new:
            row.instance.fund_id = row.instance.fund.pk
        incomes_post_many(
            [row.instance for row in new],
            acting_user=user,
            save_entries=lambda entries: insert_with_history(
                LedgerEntry, entries, user=user, now=now
            ),
        )
        self._log_funds(funds)

    def _log_funds(self, funds: list[Fund]) -> None:
        for fund in funds:
            self._log_entry(
                fund.name, _("Fund %(fund)s created by the ledger sheet.") % {"fund": fund.name}
            )

    def object_repr(self, row: SheetRow, context: ImportContext) -> str:
        fund = row.resolved.get("fund")
        return f"{getattr(fund, 'name', '')} {row.instance.entry_date}"

    def display_value(self, sheet_field: SheetField, value, context: LedgerImport) -> str:
        if sheet_field.attribute == "fund":
            if isinstance(value, Fund):
                return value.name
            if isinstance(value, int):
                return context.funds[value].name if value in context.funds else str(value)
        return super().display_value(sheet_field, value, context)


__all__ = [
    "DisbursementImport",
    "DisbursementResource",
    "LedgerImport",
    "LedgerResource",
    "PostingLoader",
    "PostingSheet",
    "unit_widget",
]
