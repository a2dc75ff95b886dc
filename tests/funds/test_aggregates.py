"""Property: whatever is posted, reversed, imported from a sheet or signed, and however
cases change status, category (saved, or by the case sheet), 困难类型 (a re-evaluation)
or unit, every maintained aggregate equals the raw computation; and ``rebuild_aggregates``
finds no difference on the demo and reports a planted one."""

import contextlib
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cases.models import Case, CaseStatus, Category, SubsistenceLine
from cases.resources import CaseResource
from cases.services import case_exit, case_reopen, case_verify, cases_reevaluate
from funds import aggregates
from funds.models import Disbursement, DisbursementCaseYear, DisbursementDay, LedgerEntry
from funds.selectors import disbursement_totals
from funds.services import disbursement_post, disbursements_sign_receipts, entry_reverse
from pairings.resources import PairedDisbursementResource
from reports.selectors import GROUPINGS, aggregate_summary, breakdown_summary, summary
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory
from tests.sheets.helpers import import_sheet
from tests.sheets.test_disbursement_sheet import HEADERS, row
from unions import demo as unions_demo
from unions.models import UnionUnit, User

TOWNS = ["张浦镇工会", "木渎镇工会"]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
pick = st.integers(min_value=0, max_value=50)
# The cases exit on 2007-03-01: aid dated after it, posted first, was paid off file.
dates = st.sampled_from(
    [datetime.date(2006, 12, 30), datetime.date(2007, 2, 1), datetime.date(2007, 6, 1)]
)
EXIT_DAY = datetime.date(2007, 3, 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), pick, amounts, dates, st.booleans()),
        st.tuples(st.just("goods"), pick, st.integers(1, 3), amounts),
        st.tuples(st.just("reverse"), pick),
        st.tuples(st.just("sheet"), st.sampled_from(["是", "否"])),
        st.tuples(st.just("sign"), pick),
        st.tuples(st.just("status"), pick),
        st.tuples(st.just("category"), pick, st.sampled_from([c for c, _l in Category.choices])),
        st.tuples(st.just("case_sheet"), pick, st.sampled_from(["困难劳模", "困难职工"])),
        # A household figure, then the re-evaluation: 深度/相对 or none under the line.
        st.tuples(st.just("retype"), pick, st.sampled_from(["600", "1200", "1900", "5000"])),
        st.tuples(st.just("move"), pick),
        st.tuples(st.just("restructure")),
    ),
    max_size=15,
)


TOTALS_PARAMS = [
    {},
    {"kind__exact": ["goods"]},
    {"disbursed_on__year": ["2007"]},
    {"disbursed_on__year": ["2006"], "disbursed_on__month": ["12"]},
]


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class AggregateInvariantTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        unions_demo.load(password="pw", log=lambda message: None)
        cls.user = User.objects.create_superuser("aggregate-property")
        cls.clerk = User.objects.get(username="kunshan_clerk")
        cls.units = {unit.name: unit for unit in UnionUnit.objects.all()}
        cls.fund = FundFactory(
            unit=cls.units["昆山市总工会"],
            name="送温暖专项资金",
            opening=Decimal("100000"),
            opening__poster=cls.user,
        )
        cls.cases = [
            CaseFactory(unit=cls.units["张浦镇工会"], status=CaseStatus.VERIFIED)
            for _i in range(3)
        ]
        SubsistenceLine.objects.create(
            unit=cls.units["昆山市总工会"],
            monthly_amount=Decimal("1000"),
            effective_on=datetime.date(2006, 1, 1),
        )

    def case(self, index) -> Case:
        return Case.objects.get(pk=self.cases[index % len(self.cases)].pk)

    def apply(self, operation) -> None:
        kind, *args = operation
        if kind in ("pay", "goods"):
            case = self.case(args[0])
            fields = (
                {"kind": "condolence", "cash_amount": args[1], "disbursed_on": args[2],
                 "receipt_signed": args[3]}
                if kind == "pay"
                else {"kind": "goods", "item": "棉被", "quantity": args[1],
                      "unit_value": args[2], "disbursed_on": datetime.date(2007, 2, 1)}
            )  # fmt: skip
            disbursement_post(
                case=case,
                fund=self.fund,
                paying_unit=self.units["昆山市总工会"],
                confirm_unverified=True,
                acting_user=self.user,
                **fields,
            )
        elif kind == "reverse":
            entries = list(LedgerEntry.objects.filter(disbursement__isnull=False).order_by("pk"))
            if entries:
                entry_reverse(
                    entry=entries[args[0] % len(entries)], reason="更正", acting_user=self.user
                )
        elif kind == "sheet":
            case = self.case(0)
            if case.status in (CaseStatus.VERIFIED, CaseStatus.LONG_TERM):
                import_sheet(
                    PairedDisbursementResource,
                    self.clerk,
                    [row(case, 是否签收=args[0])],
                    HEADERS,
                )
        elif kind == "sign":
            unsigned = list(Disbursement.objects.filter(receipt_signed=False).order_by("pk"))
            if unsigned:
                chosen = unsigned[args[0] % len(unsigned)]
                disbursements_sign_receipts(
                    disbursements=Disbursement.objects.filter(pk=chosen.pk),
                    acting_user=self.user,
                )
        elif kind == "status":
            case = self.case(args[0])
            if case.status == CaseStatus.PENDING:
                case_verify(case=case, acting_user=self.user)
            elif case.status == CaseStatus.EXITED:
                case_reopen(case=case, acting_user=self.user)
            else:
                case_exit(
                    case=case, exited_on=EXIT_DAY, reason="脱困",
                    acting_user=self.user,
                )  # fmt: skip
        elif kind == "category":
            case = self.case(args[0])
            case.category = args[1]
            case.save(update_fields=["category"])
        elif kind == "case_sheet":
            case = self.case(args[0])
            import_sheet(
                CaseResource,
                self.user,
                [{"姓名": case.name, "身份证号": case.id_number, "所属工会": case.unit.name,
                  "困难类别": args[1]}],
                ["姓名", "身份证号", "所属工会", "困难类别"],
            )  # fmt: skip
        elif kind == "retype":
            case = self.case(args[0])
            # A plain UPDATE, as a correction in bulk would be: only the re-evaluation
            # below changes the type, in one set-based pass.
            Case.objects.filter(pk=case.pk).update(monthly_income_per_capita=Decimal(args[1]))
            cases_reevaluate(unit=self.units["昆山市总工会"], on=datetime.date(2007, 6, 1))
        elif kind == "move":
            case = self.case(args[0])
            case.unit = self.units[TOWNS[(TOWNS.index(case.unit.name) + 1) % 2]]
            case.save(update_fields=["unit"])
        else:
            # A restructure: the paying union (and its towns) under another parent, and back.
            paying = UnionUnit.objects.get(name="昆山市总工会")
            city, wuzhong = self.units["苏州市总工会"], self.units["吴中区总工会"]
            paying.parent = wuzhong if paying.parent_id == city.pk else city
            paying.save()

    @staticmethod
    def on_file(case: Case, day: datetime.date) -> bool:
        """The audit's rule, written out again: on file on ``day`` as the case is now."""
        return (
            case.status != CaseStatus.PENDING
            and (case.verified_on is None or day >= case.verified_on)
            and not (case.status == CaseStatus.EXITED and day > case.exited_on)
        )

    def expect_on_file(self, expected: dict[int, bool], operation) -> None:
        """What ``case_on_file_when_paid`` must be after ``operation``: each new
        disbursement as its case stood when it was posted; an exit marks the aid dated
        after it; nothing else changes it."""
        for disbursement in Disbursement.objects.exclude(pk__in=expected).select_related("case"):
            expected[disbursement.pk] = self.on_file(disbursement.case, disbursement.disbursed_on)
        if operation[0] == "status":
            case = self.case(operation[1])
            if case.status == CaseStatus.EXITED:
                for pk, day in Disbursement.objects.filter(case=case).values_list(
                    "pk", "disbursed_on"
                ):
                    expected[pk] = expected[pk] and day <= case.exited_on

    @settings(max_examples=25, deadline=None)
    @given(operations)
    def test_every_aggregate_equals_the_raw_computation(self, ops):
        expected: dict[int, bool] = dict(
            Disbursement.objects.values_list("pk", "case_on_file_when_paid")
        )
        for operation in ops:
            with contextlib.suppress(ValidationError):  # refused: must leave no trace
                self.apply(operation)
            assert aggregates.differences() == [], operation
            self.expect_on_file(expected, operation)
            assert (
                dict(Disbursement.objects.values_list("pk", "case_on_file_when_paid")) == expected
            ), operation
        # The disbursement list's totals from them are those of the raw rows.
        listed = Disbursement.objects.with_values()
        for params in TOTALS_PARAMS:
            lookups = {k.replace("__id__exact", "_id").replace("__exact", ""): v[0]
                       for k, v in params.items()}  # fmt: skip
            raw = disbursement_totals(
                queryset=listed.filter(**lookups), user=self.user, params={}, search="raw"
            )
            assert (
                disbursement_totals(
                    queryset=listed.filter(**lookups), user=self.user, params=params
                )
                == raw
            ), params
        # The stored tree totals: the clerk's whole scope and one paying unit's own.
        paying = str(UnionUnit.objects.get(name="昆山市总工会").pk)
        one_unit = {"paying_unit__id__exact": [paying]}
        for user, params in (
            (self.clerk, {}),
            (self.clerk, {"disbursed_on__year": ["2007"]}),
            (self.user, one_unit),
            (self.user, {**one_unit, "disbursed_on__year": ["2006"]}),
        ):
            listed = Disbursement.objects.for_user(user).with_values()
            if "paying_unit__id__exact" in params:
                listed = listed.filter(paying_unit_id=paying)
            if "disbursed_on__year" in params:
                listed = listed.filter(disbursed_on__year=params["disbursed_on__year"][0])
            assert disbursement_totals(
                queryset=listed, user=user, params=params
            ) == disbursement_totals(queryset=listed, user=user, params={}, search="raw")
        # The summary of a whole scope from the stored breakdown, all years or one year,
        # of one category or all: what the raw rows give.
        for user in (self.user, self.clerk):
            listed = Disbursement.objects.for_user(user)
            for by in GROUPINGS:
                for year in (None, 2006, 2007):
                    for category in ("", Category.HARDSHIP_WORKER):
                        raw = listed.filter(disbursed_on__year=year) if year else listed
                        if category:
                            raw = raw.filter(case__category=category)
                        assert breakdown_summary(
                            user, by=by, year=year, category=category
                        ) == summary(raw, by), (by, year, category)
        # And the summary read from them is the one computed from the raw rows.
        for by in GROUPINGS:
            assert aggregate_summary(DisbursementCaseYear.objects.all(), by) == summary(
                Disbursement.objects.all(), by
            )


def run_rebuild(*args):
    out = io.StringIO()
    try:
        call_command("rebuild_aggregates", *args, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_the_rebuild_finds_no_difference_on_the_demo_and_reports_a_planted_one():
    call_command("loaddemo", stdout=io.StringIO())
    assert DisbursementDay.objects.exists()
    assert run_rebuild("--check") == (0, "0 differences\n")

    planted = DisbursementDay.objects.order_by("pk").first()
    DisbursementDay.objects.filter(pk=planted.pk).update(count=planted.count + 1)
    code, out = run_rebuild("--check")
    assert code == 1
    assert out.endswith("1 differences\n")
    assert f"({planted.count + 1}, " in out and f"computed ({planted.count}, " in out

    assert run_rebuild()[1].endswith("1 differences\naggregates rebuilt\n")
    assert run_rebuild("--check") == (0, "0 differences\n")
