"""回访 (FILING.md "Leaving and coming back"): an exited file's follow-up visits fall due
6 and 12 months after the exit; each visit recorded moves the file on; 返困 (back in
hardship) reopens it for verification, by the acting user, in the same transaction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.filing import follow_up_due_after
from cases.models import Case, CaseStatus, FollowUp, FollowUpOutcome
from core.dates import add_months
from tests.cases.factories import CaseFactory
from tests.scope_helpers import assert_looks_missing

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("exited_on", "done", "due"),
    [
        (D(2026, 1, 31), 0, D(2026, 7, 31)),
        (D(2026, 1, 31), 1, D(2027, 1, 31)),
        (D(2026, 1, 31), 2, None),
        # Six months after 31 August has no 31st: the month's last day.
        (D(2025, 8, 31), 0, D(2026, 2, 28)),
        (D(2027, 8, 31), 0, D(2028, 2, 29)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),
        (D(2026, 12, 1), 0, D(2027, 6, 1)),
    ],
)
def test_follow_ups_fall_due_six_and_twelve_months_after_the_exit(exited_on, done, due):
    assert follow_up_due_after(exited_on, done) == due


def test_the_months_are_a_setting(settings):
    settings.RELIEF_FOLLOW_UP_MONTHS = (3,)
    assert follow_up_due_after(D(2026, 1, 31), 0) == D(2026, 4, 30)
    assert follow_up_due_after(D(2026, 1, 31), 1) is None


def _exited(units, exited_on, **fields):
    fields.setdefault("follow_up_due_on", follow_up_due_after(exited_on, 0))
    return CaseFactory(unit=units["张浦镇工会"], exited=True, exited_on=exited_on, **fields)


def test_a_follow_up_is_due_from_its_day_on(units):
    exited_on = add_months(TODAY, -6)
    case = _exited(units, exited_on)
    due = Case.objects.filter(pk=case.pk).follow_up_due
    assert case.follow_up_due_on == TODAY
    assert due(TODAY - datetime.timedelta(days=1)).count() == 0
    assert due(TODAY).count() == 1
    assert due(TODAY + datetime.timedelta(days=30)).count() == 1  # overdue stays due


def test_exiting_sets_the_first_follow_up_and_each_visit_the_next(
    units, kunshan_case, kunshan_head, kunshan_clerk
):
    exited_on = TODAY - datetime.timedelta(days=200)
    services.case_exit(
        case=kunshan_case, exited_on=exited_on, reason="再就业", acting_user=kunshan_head
    )
    kunshan_case.refresh_from_db()
    assert kunshan_case.follow_up_due_on == add_months(exited_on, 6)

    first = services.follow_up_record(
        case=kunshan_case,
        visited_on=TODAY,
        outcome=FollowUpOutcome.STILL_OUT,
        notes="已在新单位上班",
        acting_user=kunshan_clerk,
    )
    kunshan_case.refresh_from_db()
    assert kunshan_case.follow_up_due_on == add_months(exited_on, 12)
    assert (first.exited_on, first.visited_by, first.outcome) == (
        exited_on,
        kunshan_clerk,
        FollowUpOutcome.STILL_OUT,
    )
    assert first.history.get().history_user == kunshan_clerk

    # Could not be reached: recorded, and the last follow-up is done.
    services.follow_up_record(
        case=kunshan_case,
        visited_on=TODAY,
        outcome=FollowUpOutcome.UNREACHABLE,
        acting_user=kunshan_clerk,
    )
    kunshan_case.refresh_from_db()
    assert kunshan_case.follow_up_due_on is None
    assert kunshan_case.status == CaseStatus.EXITED
    assert FollowUp.objects.filter(case=kunshan_case).count() == 2


def test_back_in_hardship_reopens_the_file_for_verification(units, kunshan_clerk, kunshan_head):
    case = _exited(units, TODAY - datetime.timedelta(days=190))
    services.follow_up_record(
        case=case,
        visited_on=TODAY,
        outcome=FollowUpOutcome.BACK,
        notes="再次失业，家中老人重病",
        acting_user=kunshan_clerk,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING
    assert (case.exited_on, case.exit_reason, case.verified_on, case.follow_up_due_on) == (
        None,
        "",
        None,
        None,
    )
    latest = case.history.latest()
    assert (latest.status, latest.history_user) == (CaseStatus.PENDING, kunshan_clerk)
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.outcome == FollowUpOutcome.BACK

    # Maker–checker: the clerk who found it cannot put it back on file; the head can.
    with pytest.raises(PermissionDenied):
        services.case_verify(case=case, acting_user=kunshan_clerk)
    services.case_verify(case=case, acting_user=kunshan_head)
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_a_failed_reopen_leaves_no_follow_up(units, kunshan_clerk, monkeypatch):
    case = _exited(units, TODAY - datetime.timedelta(days=190))

    def refuse(case):
        raise ValidationError("refused")

    monkeypatch.setattr(services, "case_apply_reopen", refuse)
    with pytest.raises(ValidationError):
        services.follow_up_record(
            case=case, visited_on=TODAY, outcome=FollowUpOutcome.BACK, acting_user=kunshan_clerk
        )
    assert not FollowUp.objects.filter(case=case).exists()


def _message(error) -> str:
    return " ".join(error.value.messages)


def test_only_an_exited_file_is_followed_up(kunshan_case, kunshan_clerk):
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(
            case=kunshan_case,
            visited_on=TODAY,
            outcome=FollowUpOutcome.STILL_OUT,
            acting_user=kunshan_clerk,
        )
    assert _message(error) == "只有已脱困的档案才需要回访。"


def test_a_visit_before_the_exit_is_refused(units, kunshan_clerk):
    exited_on = TODAY - datetime.timedelta(days=10)
    case = _exited(units, exited_on)
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(
            case=case,
            visited_on=exited_on - datetime.timedelta(days=1),
            outcome=FollowUpOutcome.STILL_OUT,
            acting_user=kunshan_clerk,
        )
    assert _message(error) == f"回访日期不能早于脱困日期（{exited_on:%Y-%m-%d}）。"


def test_another_district_and_the_auditor_cannot_record(units, wuzhong_clerk, city_auditor):
    case = _exited(units, TODAY - datetime.timedelta(days=190))
    for user in (wuzhong_clerk, city_auditor):
        with pytest.raises(PermissionDenied):
            services.follow_up_record(
                case=case, visited_on=TODAY, outcome=FollowUpOutcome.BACK, acting_user=user
            )
    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED


def test_the_case_page_action_records_a_visit_shown_in_its_list(units, kunshan_clerk, client_for):
    case = _exited(units, TODAY - datetime.timedelta(days=190))
    client = client_for(kunshan_clerk)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {
            "action": "record_follow_ups",
            "_selected_action": [case.pk],
            "apply": "1",
            "visited_on": TODAY.isoformat(),
            "outcome": FollowUpOutcome.STILL_OUT,
            "notes": "生活稳定",
        },
        follow=True,
    )
    assert "已登记回访：1 户。" in response.content.decode()
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "回访记录" in page and "生活稳定" in page and "仍已脱困" in page


def test_the_sheet_exit_sets_the_first_follow_up(units, kunshan_head):
    from tests.sheets.helpers import KUNSHAN_ID, case_row, errors_of, import_rows

    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], verified=True)
    result = import_rows(
        kunshan_head,
        [case_row(档案状态="已脱困")],
        headers=["姓名", "身份证号", "所属工会", "困难类别", "档案状态"],
    )
    assert errors_of(result) == []
    case = Case.objects.get(id_number=KUNSHAN_ID)
    assert case.status == CaseStatus.EXITED
    assert case.follow_up_due_on == add_months(TODAY, 6)


def test_follow_ups_are_seen_only_in_scope(units, kunshan_clerk, wuzhong_clerk, client_for):
    case = _exited(units, TODAY - datetime.timedelta(days=190))
    follow_up = services.follow_up_record(
        case=case, visited_on=TODAY, outcome=FollowUpOutcome.STILL_OUT, acting_user=kunshan_clerk
    )
    listing = reverse("admin:cases_followup_changelist")
    ours, theirs = client_for(kunshan_clerk), client_for(wuzhong_clerk)
    for page in ("{pk}/change/", "{pk}/history/"):
        assert ours.get(listing + page.format(pk=follow_up.pk)).status_code == 200
        assert_looks_missing(theirs, listing + page, follow_up.pk)
    assert ours.get(listing).context["cl"].result_count == 1
    assert theirs.get(listing).context["cl"].result_count == 0
    assert FollowUp.objects.for_user(wuzhong_clerk).count() == 0


def test_the_migration_gives_recent_exits_their_first_follow_up(units):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("cases.migrations.0012_follow_ups")
    recent = _exited(units, add_months(TODAY, -7), follow_up_due_on=None)
    old = _exited(units, add_months(TODAY, -13), follow_up_due_on=None)
    Case.objects.filter(pk__in=[recent.pk, old.pk]).update(follow_up_due_on=None)

    migration.first_follow_ups(apps, None)

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.follow_up_due_on == add_months(add_months(TODAY, -7), 6)
    assert old.follow_up_due_on is None
