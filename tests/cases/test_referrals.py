"""Referrals to the city union (向市总反映): submit, approve, reject, maker–checker, scope."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CaseStatus, Referral, ReferralStatus
from tests.cases.factories import CaseFactory
from unions.models import Membership, Role, User

pytestmark = pytest.mark.django_db

VALID_FROM = datetime.date(2024, 1, 1)
VALID_UNTIL = datetime.date(2026, 12, 31)


def verified_case(units, unit_name: str = "张浦镇工会", **fields) -> Case:
    return CaseFactory(unit=units[unit_name], verified=True, **fields)


def submitted_referral(units, submitter, unit_name: str = "张浦镇工会") -> Referral:
    return services.referral_submit(
        case=verified_case(units, unit_name), reason="重病，家庭无收入", acting_user=submitter
    )


def approve(referral, acting_user, certificate_number="苏救2024-018") -> Referral:
    return services.referral_approve(
        referral=referral,
        certificate_number=certificate_number,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        acting_user=acting_user,
    )


def city_approver_who_may_decide(units) -> User:
    """A city-union approver (so may submit) who also holds cases.decide_referral."""
    user = User.objects.create_user("city_maker_checker")
    Membership.objects.create(user=user, unit=units["苏州市总工会"], role=Role.APPROVER)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="decide_referral")
    )
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


# --- referral_submit ---------------------------------------------------------------------


def test_approver_submits_verified_case(units, kunshan_head):
    case = verified_case(units)

    referral = services.referral_submit(
        case=case, reason="  重病，家庭无收入  ", acting_user=kunshan_head
    )

    referral.refresh_from_db()
    assert referral.case == case
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.submitted_by == kunshan_head
    assert referral.reason == "重病，家庭无收入"
    assert referral.decided_by is None
    assert referral.history.first().history_user == kunshan_head


@pytest.mark.parametrize(
    ("status", "certificate_number"),
    [
        (CaseStatus.PENDING, ""),
        (CaseStatus.EXITED, ""),
        (CaseStatus.LONG_TERM, "苏救2023-001"),
    ],
)
def test_only_a_verified_case_can_be_referred(units, kunshan_head, status, certificate_number):
    case = CaseFactory(
        unit=units["张浦镇工会"], status=status, certificate_number=certificate_number
    )

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.referral_submit(case=case, reason="重病", acting_user=kunshan_head)

    assert excinfo.value.messages == ["Only a verified case (on file) can be referred."]
    assert not Referral.objects.filter(case=case).exists()


def test_second_open_referral_is_refused(units, kunshan_head):
    first = submitted_referral(units, kunshan_head)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.referral_submit(case=first.case, reason="再次反映", acting_user=kunshan_head)

    assert excinfo.value.messages == ["This case already has a referral awaiting decision."]
    assert Referral.objects.filter(case=first.case).count() == 1


def test_one_open_referral_per_case_is_also_a_database_constraint(units, kunshan_head):
    first = submitted_referral(units, kunshan_head)

    # SQLite names the column of the partial unique index, PostgreSQL the constraint.
    with (
        pytest.raises(IntegrityError, match=r"one_open_referral_per_case|cases_referral\.case_id"),
        transaction.atomic(),
    ):
        Referral.objects.create(case=first.case, reason="绕过服务", submitted_by=kunshan_head)


def test_case_may_be_referred_again_after_rejection(units, kunshan_head, city_admin):
    first = submitted_referral(units, kunshan_head)
    services.referral_reject(referral=first, reason="材料不全", acting_user=city_admin)

    second = services.referral_submit(
        case=first.case, reason="补充材料后再次反映", acting_user=kunshan_head
    )

    assert second.pk != first.pk
    assert second.status == ReferralStatus.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_referral_needs_a_reason(units, kunshan_head, reason):
    case = verified_case(units)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.referral_submit(case=case, reason=reason, acting_user=kunshan_head)

    assert excinfo.value.messages == ["Say why the case is referred."]
    assert not Referral.objects.filter(case=case).exists()


@pytest.mark.parametrize("username", ["kunshan_clerk", "wuzhong_head", "city_admin"])
def test_submit_needs_approver_of_the_owning_district(units, request, username):
    case = verified_case(units)
    user = request.getfixturevalue(username)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.referral_submit(case=case, reason="重病", acting_user=user)

    assert not Referral.objects.filter(case=case).exists()


# --- referral_approve --------------------------------------------------------------------


def test_city_admin_approves_and_case_goes_on_long_term_aid(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)

    approve(referral, city_admin, certificate_number="  苏救2024-018 ")

    referral.refresh_from_db()
    case = Case.objects.get(pk=referral.case_id)
    assert referral.status == ReferralStatus.APPROVED
    assert referral.decided_by == city_admin
    assert referral.decided_at is not None
    assert referral.certificate_number == "苏救2024-018"
    assert (referral.valid_from, referral.valid_until) == (VALID_FROM, VALID_UNTIL)
    assert case.status == CaseStatus.LONG_TERM
    assert case.certificate_number == "苏救2024-018"
    assert case.certificate_valid_from == VALID_FROM
    assert case.certificate_valid_until == VALID_UNTIL


def test_approval_is_recorded_in_history_with_acting_user(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)
    case = referral.case

    approve(referral, city_admin)

    assert referral.history.first().history_user == city_admin
    assert referral.history.first().status == ReferralStatus.APPROVED
    assert case.history.first().history_user == city_admin
    assert case.history.first().status == CaseStatus.LONG_TERM


@pytest.mark.parametrize("certificate_number", ["", "   "])
def test_approval_needs_a_certificate_number(units, kunshan_head, city_admin, certificate_number):
    referral = submitted_referral(units, kunshan_head)

    with pytest.raises(ValidationError) as excinfo:
        approve(referral, city_admin, certificate_number=certificate_number)

    assert "certificate_number" in excinfo.value.message_dict
    assert excinfo.value.message_dict["certificate_number"] == ["请填写救助证号。"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(None, VALID_UNTIL), (VALID_FROM, None), (VALID_UNTIL, VALID_FROM)],
    ids=["no-start", "no-end", "end-before-start"],
)
def test_approval_needs_a_validity_period(
    units, kunshan_head, city_admin, valid_from, valid_until
):
    referral = submitted_referral(units, kunshan_head)

    with pytest.raises(ValidationError) as excinfo:
        services.referral_approve(
            referral=referral,
            certificate_number="苏救2024-018",
            valid_from=valid_from,
            valid_until=valid_until,
            acting_user=city_admin,
        )

    assert "valid_until" in excinfo.value.message_dict
    assert excinfo.value.message_dict["valid_until"] == ["救助证有效期止必须晚于有效期起。"]
    assert Case.objects.get(pk=referral.case_id).status == CaseStatus.VERIFIED


def test_approval_of_a_case_that_exited_meanwhile_is_refused(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)
    services.case_exit(
        case=referral.case,
        exited_on=timezone.localdate(),
        reason="再就业",
        acting_user=kunshan_head,
    )

    with pytest.raises(ValidationError, match="该档案已不在档，不能批准。"):
        approve(referral, city_admin)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert Case.objects.get(pk=referral.case_id).status == CaseStatus.EXITED


# --- referral_reject ---------------------------------------------------------------------


def test_city_admin_rejects_with_reason(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)

    services.referral_reject(referral=referral, reason="  收入超标  ", acting_user=city_admin)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REJECTED
    assert referral.rejection_reason == "收入超标"
    assert referral.decided_by == city_admin
    assert referral.history.first().history_user == city_admin
    assert Case.objects.get(pk=referral.case_id).status == CaseStatus.VERIFIED


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_rejection_needs_a_reason(units, kunshan_head, city_admin, reason):
    referral = submitted_referral(units, kunshan_head)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.referral_reject(referral=referral, reason=reason, acting_user=city_admin)

    assert excinfo.value.message_dict == {
        "rejection_reason": ["Say why the referral is rejected."]
    }
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.decided_by is None


def test_approved_referral_cannot_be_decided_again(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)
    approve(referral, city_admin)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.referral_reject(referral=referral, reason="改变主意", acting_user=city_admin)

    assert excinfo.value.messages == ["This referral has already been decided."]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPROVED


def test_rejected_referral_cannot_be_approved_later(units, kunshan_head, city_admin):
    referral = submitted_referral(units, kunshan_head)
    services.referral_reject(referral=referral, reason="材料不全", acting_user=city_admin)

    with pytest.raises(ValidationError, match="该反映已审批。"):
        approve(referral, city_admin)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REJECTED
    assert Case.objects.get(pk=referral.case_id).status == CaseStatus.VERIFIED


# --- who may decide ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["kunshan_clerk", "kunshan_head", "city_auditor"])
def test_only_a_city_administrator_may_decide(units, kunshan_head, request, username):
    referral = submitted_referral(units, kunshan_head)
    user = request.getfixturevalue(username)

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        approve(referral, user)
    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        services.referral_reject(referral=referral, reason="不符合", acting_user=user)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_decide_permission_outside_scope_is_refused(units, kunshan_head, wuzhong_head):
    # A Kunshan approver who was (wrongly) given decide_referral still cannot reach Wuzhong.
    kunshan_head.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="decide_referral")
    )
    decider = User.objects.get(pk=kunshan_head.pk)
    wuzhong_referral = submitted_referral(units, wuzhong_head, "木渎镇工会")

    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        approve(wuzhong_referral, decider)

    wuzhong_referral.refresh_from_db()
    assert wuzhong_referral.status == ReferralStatus.SUBMITTED


# --- maker–checker -----------------------------------------------------------------------


def test_submitter_cannot_approve_own_referral(units):
    maker = city_approver_who_may_decide(units)
    assert maker.has_perm("cases.submit_referral") and maker.has_perm("cases.decide_referral")
    referral = submitted_referral(units, maker)

    with pytest.raises(PermissionDenied, match="^该反映由您提交，须由他人审批。$"):
        approve(referral, maker)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.decided_by is None
    assert Case.objects.get(pk=referral.case_id).status == CaseStatus.VERIFIED


def test_submitter_cannot_reject_own_referral(units):
    maker = city_approver_who_may_decide(units)
    referral = submitted_referral(units, maker)

    with pytest.raises(PermissionDenied, match="^该反映由您提交，须由他人审批。$"):
        services.referral_reject(referral=referral, reason="撤回", acting_user=maker)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.decided_by is None


def test_another_decider_may_approve_the_makers_referral(units, city_admin):
    maker = city_approver_who_may_decide(units)
    referral = submitted_referral(units, maker)

    approve(referral, city_admin)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPROVED
    assert referral.decided_by == city_admin


def test_database_refuses_maker_as_checker(units):
    maker = city_approver_who_may_decide(units)
    referral = submitted_referral(units, maker)
    referral.status = ReferralStatus.APPROVED
    referral.decided_by = maker
    referral.decided_at = timezone.now()

    with (
        pytest.raises(IntegrityError, match="referral_maker_is_not_checker"),
        transaction.atomic(),
    ):
        referral.save()

    assert Referral.objects.get(pk=referral.pk).decided_by is None


def test_database_refuses_maker_as_checker_in_bulk_update(units, kunshan_head):
    referral = submitted_referral(units, kunshan_head)

    with (
        pytest.raises(IntegrityError, match="referral_maker_is_not_checker"),
        transaction.atomic(),
    ):
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.REJECTED, decided_by=kunshan_head, rejection_reason="x"
        )

    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED


# --- scope -------------------------------------------------------------------------------


def test_district_approver_sees_own_referrals_only(units, kunshan_head, wuzhong_head):
    kunshan = submitted_referral(units, kunshan_head, "张浦镇工会")
    wuzhong = submitted_referral(units, wuzhong_head, "木渎镇工会")

    visible = set(Referral.objects.for_user(kunshan_head))

    assert kunshan in visible
    assert wuzhong not in visible


def test_city_admin_sees_every_district_awaiting_decision(
    units, kunshan_head, wuzhong_head, city_admin
):
    kunshan = submitted_referral(units, kunshan_head, "张浦镇工会")
    wuzhong = submitted_referral(units, wuzhong_head, "木渎镇工会")
    decided = submitted_referral(units, kunshan_head, "陆家镇工会")
    services.referral_reject(referral=decided, reason="材料不全", acting_user=city_admin)

    awaiting = set(Referral.objects.for_user(city_admin).awaiting_decision())

    assert awaiting == {kunshan, wuzhong}
