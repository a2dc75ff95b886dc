"""临时救助档案 (FILING.md "Temporary files"): created with identity, unit, cause and event;
one-off 临时救助 through funds.services with the aggregates right; listed and reported
apart; converted (转正) then verified by an approver, or lapsed by the cron command."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseStatus, Cause, HardshipType, SuddenEvent
from funds.models import Disbursement, DisbursementCaseYear, DisbursementKind
from funds.services import disbursement_post
from reports.selectors import aggregate_summary, summary
from tests.cases.factories import CaseFactory

TODAY = timezone.localdate


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


def new_temporary(unit, clerk, *, name="沈阿根", registered_on=None, **extra):
    case = Case(
        name=name,
        id_number=CaseFactory.build().id_number,
        unit=unit,
        sudden_event=SuddenEvent.DISASTER,
        sudden_event_on=days_ago(3),
        sudden_event_description="家中失火",
        registered_on=registered_on or TODAY(),
        **extra,
    )
    return services.temporary_case_create(
        case=case, causes=Cause.objects.filter(code="disaster"), acting_user=clerk
    )


@pytest.fixture
def causes(db):
    Cause.objects.get_or_create(code="disaster", defaults={"name": "因灾"})


def test_a_temporary_file_needs_only_identity_unit_cause_and_event(units, kunshan_clerk, causes):
    case = new_temporary(units["张浦镇工会"], kunshan_clerk)

    assert case.status == CaseStatus.TEMPORARY
    assert case.category == "" and case.household_size is None
    assert case.hardship_type == HardshipType.SUDDEN  # 意外致困 from the event
    assert case.history.first().history_user == kunshan_clerk
    # The set-based re-evaluation gives the same type: nothing changes.
    assert services.cases_reevaluate(unit=units["昆山市总工会"], on=TODAY()).changed == 0


def test_a_temporary_file_without_the_event_or_cause_is_refused(units, kunshan_clerk):
    case = Case(name="无事件", id_number=CaseFactory.build().id_number, unit=units["张浦镇工会"])
    with pytest.raises(ValidationError) as error:
        services.temporary_case_create(case=case, causes=[], acting_user=kunshan_clerk)

    assert error.value.messages == [
        "临时救助档案须填写致困原因和突发事件：缺少意外事件、事件日期、事件经过、致困原因。"
    ]


def test_a_full_file_still_needs_its_category(units, kunshan_clerk):
    case = CaseFactory.build(unit=units["张浦镇工会"], category="")
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert error.value.message_dict["category"] == [
        "请选择困难类别：只有临时救助档案可以暂不填写。"
    ]


def test_the_temporary_add_page_asks_for_the_event_only(units, kunshan_clerk, client_for, causes):
    client = client_for(kunshan_clerk)
    page = client.get("/admin/cases/case/add/").content.decode()
    assert "改为新增临时救助档案" in page
    page = client.get("/admin/cases/case/add/?temporary=1")
    assert page.context["title"] == "新增临时救助档案"
    assert "category" not in page.context["adminform"].form.fields

    id_number = CaseFactory.build().id_number
    response = client.post(
        "/admin/cases/case/add/?temporary=1",
        {
            "name": "钱小妹",
            "id_number": id_number,
            "phone": "",
            "address": "",
            "employer": "",
            "unit": units["张浦镇工会"].pk,
            "causes": [Cause.objects.get(code="disaster").pk],
            "sudden_event": SuddenEvent.DISASTER,
            "sudden_event_on": f"{days_ago(2):%Y-%m-%d}",
            "sudden_event_description": "台风致房屋倒塌",
            "sudden_costs": "",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "rigid_expenses-TOTAL_FORMS": "0",
            "rigid_expenses-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(id_number=id_number)
    assert (case.status, case.hardship_type) == (CaseStatus.TEMPORARY, HardshipType.SUDDEN)


# --- 临时救助 ---------------------------------------------------------------------------------


def test_a_temporary_file_receives_temporary_relief_only_and_the_aggregates_stay_right(
    units, kunshan_clerk, kunshan_fund, causes
):
    case = new_temporary(units["张浦镇工会"], kunshan_clerk)
    with pytest.raises(ValidationError) as error:
        disbursement_post(
            case=case,
            disbursed_on=TODAY(),
            kind=DisbursementKind.SUBSIDY,
            cash_amount="500",
            fund=kunshan_fund,
            paying_unit=kunshan_fund.unit,
            acting_user=kunshan_clerk,
        )
    assert error.value.message_dict == {
        "kind": ["沈阿根是临时救助档案：转正并审核之前只能发放临时救助。"]
    }

    paid = disbursement_post(
        case=case,
        disbursed_on=TODAY(),
        kind=DisbursementKind.TEMPORARY_AID,
        cash_amount="800",
        fund=kunshan_fund,
        paying_unit=kunshan_fund.unit,
        acting_user=kunshan_clerk,
    )

    # Aid the rules allow: not the audit's "paid to a case not on file".
    assert paid.case_on_file_when_paid is True
    assert paid.get_kind_display() == "临时救助"
    out = io.StringIO()
    call_command("rebuild_aggregates", "--check", stdout=out)
    assert out.getvalue() == "0 differences\n"
    # Reported as a line of its own beside the categories, raw and aggregated alike.
    raw = summary(Disbursement.objects.all(), "category")
    assert [(r.category, r.people, r.cash) for r in raw.rows] == [
        ("临时救助档案", 1, Decimal("800.00"))
    ]
    assert aggregate_summary(DisbursementCaseYear.objects.all(), "category") == raw


# --- 转正 -------------------------------------------------------------------------------------


def test_convert_needs_the_missing_fields_then_the_approver_verifies(
    units, kunshan_clerk, kunshan_head, causes
):
    case = new_temporary(units["张浦镇工会"], kunshan_clerk)
    with pytest.raises(ValidationError) as error:
        services.case_verify(case=case, acting_user=kunshan_head)
    assert error.value.messages == ["临时救助档案须先转正：补全档案后再审核。"]

    with pytest.raises(ValidationError) as error:
        services.case_convert_temporary(case=case, acting_user=kunshan_clerk)
    assert error.value.messages == ["请先补全档案再转正：缺少困难类别、家庭人口。"]

    Case.objects.filter(pk=case.pk).update(category="hardship_worker", household_size=3)
    case = services.case_convert_temporary(case=case, acting_user=kunshan_clerk)
    assert case.status == CaseStatus.PENDING

    with pytest.raises(PermissionDenied):  # maker–checker: the clerk does not verify
        services.case_verify(case=case, acting_user=kunshan_clerk)
    assert services.case_verify(case=case, acting_user=kunshan_head).status == "verified"
    statuses = list(case.history.order_by("history_id").values_list("status", flat=True))
    assert list(dict.fromkeys(statuses)) == ["temporary", "pending", "verified"]


def test_the_convert_action_on_the_list(units, kunshan_clerk, client_for, causes):
    case = new_temporary(units["张浦镇工会"], kunshan_clerk)
    Case.objects.filter(pk=case.pk).update(category="hardship_worker", household_size=2)

    response = client_for(kunshan_clerk).post(
        "/admin/cases/case/",
        {"action": "convert_temporary", "_selected_action": [case.pk], "index": "0"},
        follow=True,
    )

    assert "临时档案已转正（待审核）：1 份。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING


# --- lapse ------------------------------------------------------------------------------------


def test_the_lapse_command_lapses_those_past_the_period_once(
    units, kunshan_clerk, wuzhong_clerk, settings, causes
):
    settings.RELIEF_TEMPORARY_FILE_DAYS = 90
    old = new_temporary(units["张浦镇工会"], kunshan_clerk, registered_on=days_ago(90))
    versions = old.history.count()
    older = new_temporary(
        units["木渎镇工会"], wuzhong_clerk, name="吴阿三", registered_on=days_ago(200)
    )
    recent = new_temporary(
        units["张浦镇工会"], kunshan_clerk, name="新临时", registered_on=days_ago(89)
    )

    out = io.StringIO()
    call_command("lapse_temporary_files", stdout=out)

    assert out.getvalue() == "临时救助档案逾期未转正（期限 90 天），已失效：2 份。\n"
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses[old.pk] == statuses[older.pk] == CaseStatus.LAPSED
    assert statuses[recent.pk] == CaseStatus.TEMPORARY
    old.refresh_from_db()
    assert old.lapsed_on == TODAY()
    assert old.history.first().status == CaseStatus.LAPSED
    assert old.history.first().history_user is None  # the cron run

    again = io.StringIO()
    call_command("lapse_temporary_files", stdout=again)
    assert again.getvalue() == "没有到期未转正的临时救助档案（期限 90 天）。\n"
    assert old.history.count() == versions + 1  # lapsed once
    # A lapsed file is not flagged for a type review by the re-evaluation.
    services.cases_reevaluate(unit=units["昆山市总工会"], on=TODAY())
    assert not Case.objects.filter(pk=old.pk, type_review_pending=True).exists()


# --- lists and the dashboard ------------------------------------------------------------------


def test_the_dashboard_card_counts_those_about_to_lapse_in_scope(
    units, kunshan_clerk, wuzhong_clerk, client_for, settings, causes
):
    settings.RELIEF_TEMPORARY_FILE_DAYS = 90
    settings.RELIEF_TEMPORARY_WARN_DAYS = 14
    soon = new_temporary(units["张浦镇工会"], kunshan_clerk, registered_on=days_ago(80))
    new_temporary(units["张浦镇工会"], kunshan_clerk, name="刚登记", registered_on=days_ago(10))
    new_temporary(units["木渎镇工会"], wuzhong_clerk, name="吴中临时", registered_on=days_ago(85))
    CaseFactory(unit=units["张浦镇工会"], registered_on=days_ago(85))  # a full file

    client = client_for(kunshan_clerk)
    index = client.get(reverse("admin:index"))
    changelist = reverse("admin:cases_case_changelist")
    card = next(
        c for c in index.context["dashboard"] if c["url"] == f"{changelist}?temporary=lapsing"
    )
    assert card["title"] == "14天内到期的临时救助档案"
    assert f'href="{card["url"]}"' in index.content.decode()

    response = client.get(card["url"])

    cl = response.context["cl"]
    assert [case.pk for case in cl.result_list] == [soon.pk]
    assert card["count"] == 1


def test_the_list_filter_shows_temporary_files_apart_in_scope(
    units, kunshan_clerk, wuzhong_clerk, client_for, causes
):
    mine = new_temporary(units["张浦镇工会"], kunshan_clerk)
    new_temporary(units["木渎镇工会"], wuzhong_clerk, name="吴中临时")
    full = CaseFactory(unit=units["张浦镇工会"])
    client = client_for(kunshan_clerk)

    temporary = client.get("/admin/cases/case/?temporary=yes").context["cl"].result_list
    full_only = client.get("/admin/cases/case/?temporary=no").context["cl"].result_list

    assert [c.pk for c in temporary] == [mine.pk]
    assert [c.pk for c in full_only] == [full.pk]
    assert "临时档案" in client.get("/admin/cases/case/").content.decode()


def test_the_lapsing_count_is_one_query(units, kunshan_clerk, causes):
    from cases.filters import lapsing_horizon

    new_temporary(units["张浦镇工会"], kunshan_clerk)
    Case.objects.for_user(kunshan_clerk).exists()  # the user's scope, cached
    with CaptureQueriesContext(connection) as queries:
        Case.objects.for_user(kunshan_clerk).temporary_lapsing_by(lapsing_horizon()).count()
    assert len(queries) == 1
