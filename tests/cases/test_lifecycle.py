"""The case lifecycle in cases.services: who may move a case, and what each move records.

待审核 pending → 在档 verified → (长期救助 long-term) → 已脱困 exited → (reopened) pending,
plus the yearly review (年度复核). Every move is refused with PermissionDenied to a user
without the right role or outside the case's unit scope, and with ValidationError when the
case is not in a state that allows it.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from cases import services
from cases.models import AnnualReview, Case, CaseStatus, ReviewOutcome
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def new_kunshan_case(units, **fields) -> Case:
    """A case of 张浦镇工会, a town union under 昆山市总工会."""
    return CaseFactory(unit=units["张浦镇工会"], **fields)


def exited_case(units) -> Case:
    return new_kunshan_case(units, exited=True)


# --- case_verify: 待审核 → 在档 -------------------------------------------------------


def test_approver_verifies_pending_case_of_own_district(units, kunshan_head):
    case = new_kunshan_case(units)

    result = services.case_verify(case=case, acting_user=kunshan_head)

    case.refresh_from_db()
    assert result.status == CaseStatus.VERIFIED
    assert case.status == CaseStatus.VERIFIED
    assert case.verified_by == kunshan_head
    assert case.verified_on == timezone.localdate()


def test_clerk_may_not_verify(units, kunshan_clerk):
    case = new_kunshan_case(units)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_verify(case=case, acting_user=kunshan_clerk)

    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING
    assert case.verified_by is None


def test_approver_of_another_district_may_not_verify(units, wuzhong_head):
    case = new_kunshan_case(units)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_verify(case=case, acting_user=wuzhong_head)

    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING


def test_city_administrator_does_not_verify(units, city_admin):
    # Verifying is the owning district's job; the city decides referrals only.
    case = new_kunshan_case(units)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_verify(case=case, acting_user=city_admin)


@pytest.mark.parametrize("status", [CaseStatus.VERIFIED, CaseStatus.EXITED])
def test_only_a_pending_case_can_be_verified(units, kunshan_head, status):
    case = new_kunshan_case(units, status=status)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.case_verify(case=case, acting_user=kunshan_head)

    assert excinfo.value.messages == ["Only a case pending verification can be verified."]
    case.refresh_from_db()
    assert case.status == status
    assert case.verified_by is None


# --- case_exit: → 已脱困 -----------------------------------------------------------------


def test_approver_exits_case_with_date_and_reason(units, kunshan_head):
    case = new_kunshan_case(units, verified=True)
    exit_date = timezone.localdate() - datetime.timedelta(days=3)

    services.case_exit(
        case=case, exited_on=exit_date, reason="  子女已工作  ", acting_user=kunshan_head
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    assert case.exited_on == exit_date
    assert case.exit_reason == "子女已工作"


def test_exit_may_be_dated_today(units, kunshan_head):
    case = new_kunshan_case(units, verified=True)

    services.case_exit(
        case=case, exited_on=timezone.localdate(), reason="再就业", acting_user=kunshan_head
    )

    case.refresh_from_db()
    assert case.exited_on == timezone.localdate()


def test_exiting_long_term_case_drops_its_certificate(units, kunshan_head):
    case = new_kunshan_case(units, long_term=True, certificate_number="苏救2024-001")

    services.case_exit(
        case=case, exited_on=timezone.localdate(), reason="收入提高", acting_user=kunshan_head
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    assert case.certificate_number == ""


@pytest.mark.parametrize(
    ("exited_on", "reason"),
    [
        (None, "再就业"),
        (datetime.date(2024, 1, 10), ""),
        (datetime.date(2024, 1, 10), "   "),
    ],
    ids=["no-date", "no-reason", "blank-reason"],
)
def test_exit_needs_date_and_reason(units, kunshan_head, exited_on, reason):
    case = new_kunshan_case(units, verified=True)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.case_exit(case=case, exited_on=exited_on, reason=reason, acting_user=kunshan_head)

    assert excinfo.value.messages == ["Exiting a case needs a date and a reason."]
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED
    assert case.exited_on is None


def test_exit_date_in_the_future_is_refused(units, kunshan_head):
    case = new_kunshan_case(units, verified=True)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.case_exit(
            case=case, exited_on=tomorrow, reason="再就业", acting_user=kunshan_head
        )

    assert excinfo.value.messages == ["The exit date cannot be in the future."]
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_exited_case_cannot_exit_again(units, kunshan_head):
    case = exited_case(units)

    with pytest.raises(ValidationError, match="该档案已脱困。"):
        services.case_exit(
            case=case, exited_on=timezone.localdate(), reason="又一次", acting_user=kunshan_head
        )

    case.refresh_from_db()
    assert case.exit_reason == "再就业"


def test_clerk_may_not_exit_case(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_exit(
            case=case, exited_on=timezone.localdate(), reason="再就业", acting_user=kunshan_clerk
        )

    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_approver_of_another_district_may_not_exit_case(units, wuzhong_head):
    case = new_kunshan_case(units, verified=True)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_exit(
            case=case, exited_on=timezone.localdate(), reason="再就业", acting_user=wuzhong_head
        )

    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


# --- case_reopen: 已脱困 → 待审核 ---------------------------------------------------------


def test_reopen_returns_exited_case_to_pending_and_clears_exit(units, kunshan_head):
    case = exited_case(units)
    case.verified_on = datetime.date(2023, 5, 1)
    case.verified_by = kunshan_head
    case.save()

    services.case_reopen(case=case, acting_user=kunshan_head)

    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING
    assert case.exited_on is None
    assert case.exit_reason == ""
    assert case.verified_on is None
    assert case.verified_by is None


@pytest.mark.parametrize("status", [CaseStatus.PENDING, CaseStatus.VERIFIED])
def test_only_an_exited_case_can_be_reopened(units, kunshan_head, status):
    case = new_kunshan_case(units, status=status)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.case_reopen(case=case, acting_user=kunshan_head)

    assert excinfo.value.messages == ["Only an exited case can be reopened."]


def test_reopen_outside_scope_is_refused(units, wuzhong_head):
    case = exited_case(units)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_reopen(case=case, acting_user=wuzhong_head)

    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED


def test_auditor_may_not_reopen(units, city_auditor):
    case = exited_case(units)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_reopen(case=case, acting_user=city_auditor)


def test_reopened_case_can_be_verified_again(units, kunshan_head):
    case = exited_case(units)
    services.case_reopen(case=case, acting_user=kunshan_head)

    services.case_verify(case=case, acting_user=kunshan_head)

    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


# --- review_record: 年度复核 ---------------------------------------------------------------


def test_review_records_year_and_updates_last_reviewed(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)

    review = services.review_record(
        case=case,
        reviewed_on=datetime.date(2024, 3, 15),
        outcome=ReviewOutcome.CONTINUE,
        notes="仍无固定收入",
        acting_user=kunshan_clerk,
    )

    review.refresh_from_db()
    case.refresh_from_db()
    assert review.case == case
    assert review.year == 2024
    assert review.reviewed_on == datetime.date(2024, 3, 15)
    assert review.reviewer == kunshan_clerk
    assert review.outcome == ReviewOutcome.CONTINUE
    assert case.last_reviewed_on == datetime.date(2024, 3, 15)


def test_second_review_in_same_year_is_refused(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)
    services.review_record(
        case=case,
        reviewed_on=datetime.date(2024, 3, 15),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.review_record(
            case=case,
            reviewed_on=datetime.date(2024, 11, 2),
            outcome=ReviewOutcome.CHANGED,
            acting_user=kunshan_clerk,
        )

    assert excinfo.value.messages == ["This case was already reviewed in 2024."]
    assert AnnualReview.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.last_reviewed_on == datetime.date(2024, 3, 15)


def test_review_in_the_next_year_is_accepted(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)
    services.review_record(
        case=case,
        reviewed_on=datetime.date(2023, 12, 20),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    services.review_record(
        case=case,
        reviewed_on=datetime.date(2024, 1, 5),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    case.refresh_from_db()
    assert sorted(case.reviews.values_list("year", flat=True)) == [2023, 2024]
    assert case.last_reviewed_on == datetime.date(2024, 1, 5)


def test_late_entry_of_an_older_review_keeps_the_latest_date(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)
    services.review_record(
        case=case,
        reviewed_on=datetime.date(2024, 2, 1),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    services.review_record(
        case=case,
        reviewed_on=datetime.date(2023, 2, 1),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    case.refresh_from_db()
    assert case.last_reviewed_on == datetime.date(2024, 2, 1)


def test_unknown_review_outcome_is_refused(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)

    with pytest.raises(ValidationError, match="未知的复核结论。"):
        services.review_record(
            case=case,
            reviewed_on=datetime.date(2024, 3, 15),
            outcome="fine",
            acting_user=kunshan_clerk,
        )

    assert not AnnualReview.objects.filter(case=case).exists()


@pytest.mark.parametrize("username", ["wuzhong_clerk", "city_auditor"])
def test_review_by_other_district_or_auditor_is_refused(units, request, username):
    case = new_kunshan_case(units, verified=True)
    user = request.getfixturevalue(username)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.review_record(
            case=case,
            reviewed_on=datetime.date(2024, 3, 15),
            outcome=ReviewOutcome.CONTINUE,
            acting_user=user,
        )

    assert not AnnualReview.objects.filter(case=case).exists()


def test_not_reviewed_this_year_lists_cases_still_due_that_year(units, kunshan_clerk):
    unreviewed = new_kunshan_case(units, verified=True)
    reviewed_last_year = new_kunshan_case(units, verified=True)
    reviewed = new_kunshan_case(units, long_term=True, certificate_number="苏救-7")
    exited = exited_case(units)
    for case, day in [
        (reviewed_last_year, datetime.date(2023, 6, 1)),
        (reviewed, datetime.date(2024, 6, 1)),
    ]:
        services.review_record(
            case=case, reviewed_on=day, outcome=ReviewOutcome.CONTINUE, acting_user=kunshan_clerk
        )

    due = set(Case.objects.not_reviewed_this_year(datetime.date(2024, 12, 31)))

    assert unreviewed in due
    assert reviewed_last_year in due
    assert reviewed not in due
    assert exited not in due


def test_a_past_years_review_entered_late_does_not_count_for_this_year(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)
    for day in [datetime.date(2024, 2, 1), datetime.date(2023, 2, 1)]:
        services.review_record(
            case=case, reviewed_on=day, outcome=ReviewOutcome.CONTINUE, acting_user=kunshan_clerk
        )
    late = new_kunshan_case(units, verified=True)
    services.review_record(
        case=late,
        reviewed_on=datetime.date(2023, 12, 1),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    due_2024 = set(Case.objects.not_reviewed_this_year(datetime.date(2024, 3, 1)))

    assert case not in due_2024
    assert late in due_2024


# --- history: every move is recorded with the acting user ---------------------------------


def test_verify_is_recorded_in_history_with_acting_user(units, kunshan_head):
    case = new_kunshan_case(units)
    versions_before = case.history.count()

    services.case_verify(case=case, acting_user=kunshan_head)

    assert case.history.count() == versions_before + 1
    latest = case.history.first()
    assert latest.history_user == kunshan_head
    assert latest.status == CaseStatus.VERIFIED


def test_exit_is_recorded_in_history_with_acting_user(units, kunshan_head):
    case = new_kunshan_case(units, verified=True)
    versions_before = case.history.count()

    services.case_exit(
        case=case, exited_on=timezone.localdate(), reason="再就业", acting_user=kunshan_head
    )

    assert case.history.count() == versions_before + 1
    latest = case.history.first()
    assert latest.history_user == kunshan_head
    assert latest.status == CaseStatus.EXITED
    assert latest.exit_reason == "再就业"


def test_reopen_is_recorded_in_history_with_acting_user(units, kunshan_head):
    case = exited_case(units)
    versions_before = case.history.count()

    services.case_reopen(case=case, acting_user=kunshan_head)

    assert case.history.count() == versions_before + 1
    latest = case.history.first()
    assert latest.history_user == kunshan_head
    assert latest.status == CaseStatus.PENDING


def test_review_is_recorded_in_history_with_acting_user(units, kunshan_clerk):
    case = new_kunshan_case(units, verified=True)

    review = services.review_record(
        case=case,
        reviewed_on=datetime.date(2024, 3, 15),
        outcome=ReviewOutcome.CONTINUE,
        acting_user=kunshan_clerk,
    )

    assert review.history.count() == 1
    assert review.history.first().history_user == kunshan_clerk


def test_refused_move_leaves_no_history(units, kunshan_clerk):
    case = new_kunshan_case(units)
    versions_before = case.history.count()

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.case_verify(case=case, acting_user=kunshan_clerk)

    assert case.history.count() == versions_before
