"""Status changes from the admin: actions on the case list and the case page, and the
city union's decision on a referral's page. Each calls cases.services."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from cases import services
from cases.models import AnnualReview, CaseStatus, Referral, ReferralStatus, ReviewOutcome
from tests.cases.factories import CaseFactory
from unions.models import Membership, Role, User

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
REFERRALS = "/admin/cases/referral/"
TODAY = timezone.localdate()


def pending(units, **fields):
    return CaseFactory(unit=units["张浦镇工会"], **fields)


def verified(units, **fields):
    return CaseFactory(unit=units["张浦镇工会"], verified=True, **fields)


def run_action(client, action, cases, **data):
    return client.post(
        CASES, {"action": action, "_selected_action": [c.pk for c in cases], **data}, follow=True
    )


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context.get("messages", [])
    ]


def in_chinese(msgid, **params):
    """The message as the zh-hans site shows it (English until the catalog has it)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid) % params


def offered_actions(client):
    return {
        name for name, _label in client.get(CASES).context["action_form"].fields["action"].choices
    }


# --- verify -------------------------------------------------------------------------------


def test_approver_verifies_selected_cases_and_is_told_which_could_not_be(
    kunshan_head, client_for, units
):
    first, second = pending(units, name="甲"), pending(units, name="乙")
    already = verified(units, name="丙")

    response = run_action(client_for(kunshan_head), "verify_cases", [first, second, already])

    for case in (first, second, already):
        case.refresh_from_db()
    assert (first.status, second.status) == (CaseStatus.VERIFIED, CaseStatus.VERIFIED)
    assert first.verified_by == kunshan_head
    texts = messages_of(response)
    assert any("丙" in text and "只有待审核的档案才能审核" in text for text in texts)
    assert in_chinese("Cases verified: %(count)d.", count=2) in texts


def test_clerk_is_not_offered_verify_and_a_forged_post_does_nothing(
    kunshan_clerk, client_for, units
):
    case = pending(units)
    client = client_for(kunshan_clerk)

    offered = offered_actions(client)
    run_action(client, "verify_cases", [case])

    assert "verify_cases" not in offered and "exit_cases" not in offered
    assert "submit_referrals" not in offered
    assert {"reopen_cases", "record_reviews"} <= offered
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING


def test_approver_is_offered_every_transition(kunshan_head, client_for, units):
    pending(units)

    offered = offered_actions(client_for(kunshan_head))

    assert {
        "verify_cases",
        "exit_cases",
        "reopen_cases",
        "submit_referrals",
        "record_reviews",
    } <= offered


def test_approver_verifies_from_the_case_page(kunshan_head, client_for, units):
    case = pending(units)
    url = f"{CASES}{case.pk}/change/"

    response = client_for(kunshan_head).post(
        url, {"CHANGE_FORM-action": "verify_cases", "_selected_action": [case.pk]}
    )

    assert response.status_code == 302 and response["Location"].endswith(url)
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


# --- exit ---------------------------------------------------------------------------------


def test_exit_asks_for_date_and_reason_first(kunshan_head, client_for, units):
    case = verified(units, name="退出者")

    response = run_action(client_for(kunshan_head), "exit_cases", [case])

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"exited_on", "reason"}
    assert "退出者" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_exit_without_date_and_reason_is_refused_on_the_form(kunshan_head, client_for, units):
    case = verified(units)

    response = run_action(
        client_for(kunshan_head), "exit_cases", [case], apply="1", exited_on="", reason="  "
    )

    errors = response.context["adminform"].form.errors
    assert set(errors) == {"exited_on", "reason"}
    assert errors["reason"] == [in_chinese("Say why the case exits hardship.")]
    assert errors["exited_on"] == [in_chinese("Enter the date the case exited hardship.")]
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_exit_in_the_future_is_refused(kunshan_head, client_for, units):
    case = verified(units)

    response = run_action(
        client_for(kunshan_head),
        "exit_cases",
        [case],
        apply="1",
        exited_on=str(TODAY + datetime.timedelta(days=3)),
        reason="再就业",
    )

    assert "exited_on" in response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_exit_with_date_and_reason_closes_the_case(kunshan_head, client_for, units):
    case = verified(units)

    response = run_action(
        client_for(kunshan_head),
        "exit_cases",
        [case],
        apply="1",
        exited_on="2007-02-01",
        reason="再就业，收入稳定",
    )

    assert response.redirect_chain[-1][0].startswith(CASES)
    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    assert case.exited_on == datetime.date(2007, 2, 1)
    assert case.exit_reason == "再就业，收入稳定"


# --- reopen -------------------------------------------------------------------------------


def test_clerk_reopens_an_exited_case(kunshan_clerk, kunshan_head, client_for, units):
    case = verified(units)
    services.case_exit(case=case, exited_on=TODAY, reason="再就业", acting_user=kunshan_head)
    not_exited = pending(units, name="未退出")

    response = run_action(client_for(kunshan_clerk), "reopen_cases", [case, not_exited])

    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING
    assert case.exited_on is None
    assert any("未退出" in text for text in messages_of(response))


# --- referral -----------------------------------------------------------------------------


def test_approver_refers_a_verified_case_with_a_reason(kunshan_head, client_for, units):
    case = verified(units)
    client = client_for(kunshan_head)

    form_page = run_action(client, "submit_referrals", [case])
    without_reason = run_action(client, "submit_referrals", [case], apply="1", reason="")
    run_action(client, "submit_referrals", [case], apply="1", reason="重病，家庭无收入")

    assert set(form_page.context["adminform"].form.fields) == {"reason"}
    assert "reason" in without_reason.context["adminform"].form.errors
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.submitted_by == kunshan_head
    assert referral.reason == "重病，家庭无收入"


def test_a_pending_case_cannot_be_referred_and_says_why(kunshan_head, client_for, units):
    case = pending(units, name="待审者")

    response = run_action(
        client_for(kunshan_head), "submit_referrals", [case], apply="1", reason="重病"
    )

    assert not Referral.objects.exists()
    assert any("待审者" in text for text in messages_of(response))


# --- annual review ------------------------------------------------------------------------


def test_clerk_records_the_annual_review_once_a_year(kunshan_clerk, client_for, units):
    case = verified(units, name="复核者")
    client = client_for(kunshan_clerk)
    data = {"apply": "1", "reviewed_on": str(TODAY), "outcome": ReviewOutcome.CONTINUE}

    run_action(client, "record_reviews", [case], **data, notes="仍困难")
    again = run_action(client, "record_reviews", [case], **data)

    review = AnnualReview.objects.get(case=case)
    assert (review.year, review.reviewer, review.notes) == (TODAY.year, kunshan_clerk, "仍困难")
    case.refresh_from_db()
    assert case.last_reviewed_on == TODAY
    assert any("复核者" in text for text in messages_of(again))
    assert AnnualReview.objects.filter(case=case).count() == 1


def test_reviews_show_read_only_on_the_case_page(kunshan_clerk, client_for, units):
    case = verified(units)
    services.review_record(
        case=case, reviewed_on=TODAY, outcome=ReviewOutcome.CHANGED, acting_user=kunshan_clerk
    )

    response = client_for(kunshan_clerk).get(f"{CASES}{case.pk}/change/")

    reviews = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model is AnnualReview
    )
    assert len(reviews.formset.forms) == 1
    assert not reviews.has_add_permission and not reviews.has_change_permission


# --- the city union's decision on a referral ------------------------------------------------


@pytest.fixture
def referral(units, kunshan_head):
    return services.referral_submit(
        case=verified(units, name="反映者"), reason="重病", acting_user=kunshan_head
    )


def decide(client, referral, **data):
    return client.post(f"{REFERRALS}{referral.pk}/change/", {"_decide": "1", **data}, follow=True)


APPROVAL = {
    "decision": "approve",
    "certificate_number": "苏救2007-018",
    "valid_from": "2007-03-01",
    "valid_until": "2009-02-28",
}


def test_city_queue_shows_referrals_awaiting_decision(city_admin, client_for, referral, units):
    decided = services.referral_submit(
        case=verified(units), reason="x", acting_user=User.objects.get(username="kunshan_head")
    )
    services.referral_reject(referral=decided, reason="不符合", acting_user=city_admin)

    queue = client_for(city_admin).get(REFERRALS).context["cl"].result_list

    assert list(queue) == [referral]


def test_city_administrator_approves_with_a_certificate(city_admin, client_for, referral):
    response = decide(client_for(city_admin), referral, **APPROVAL)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPROVED
    assert referral.decided_by == city_admin
    case = referral.case
    case.refresh_from_db()
    assert case.status == CaseStatus.LONG_TERM
    assert case.certificate_number == "苏救2007-018"
    assert case.certificate_valid_until == datetime.date(2009, 2, 28)
    assert any("苏救2007-018" in text for text in messages_of(response))


def test_approval_without_a_certificate_number_is_refused_on_the_form(
    city_admin, client_for, referral
):
    response = decide(client_for(city_admin), referral, **{**APPROVAL, "certificate_number": ""})

    assert response.status_code == 200
    assert "certificate_number" in response.context["decision_form"].form.errors
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_city_administrator_rejects_with_a_reason(city_admin, client_for, referral):
    client = client_for(city_admin)

    without_reason = decide(client, referral, decision="reject", rejection_reason="")
    decide(client, referral, decision="reject", rejection_reason="收入高于困难标准")

    assert "rejection_reason" in without_reason.context["decision_form"].form.errors
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REJECTED
    assert referral.rejection_reason == "收入高于困难标准"
    referral.case.refresh_from_db()
    assert referral.case.status == CaseStatus.VERIFIED


def test_the_submitter_cannot_approve_their_own_referral(units, client_for):
    maker = User.objects.create_user("city_maker_checker")
    Membership.objects.create(user=maker, unit=units["苏州市总工会"], role=Role.APPROVER)
    maker.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="decide_referral")
    )
    own = services.referral_submit(
        case=verified(units), reason="重病", acting_user=User.objects.get(pk=maker.pk)
    )

    response = decide(client_for(maker), own, **APPROVAL)

    own.refresh_from_db()
    assert own.status == ReferralStatus.SUBMITTED
    assert "该反映由您提交，须由他人审批。" in messages_of(response)


def test_district_approver_sees_the_referral_but_no_decision_form(
    kunshan_head, client_for, referral
):
    client = client_for(kunshan_head)

    page = client.get(f"{REFERRALS}{referral.pk}/change/")
    forged = client.post(f"{REFERRALS}{referral.pk}/change/", {"_decide": "1", **APPROVAL})

    assert page.status_code == 200
    assert page.context.get("decision_form") is None
    assert 'name="_decide"' not in page.content.decode()
    assert forged.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_district_staff_follow_their_referrals_status(kunshan_clerk, client_for, referral):
    response = client_for(kunshan_clerk).get(REFERRALS)

    assert list(response.context["cl"].result_list) == [referral]
    assert "反映者" in response.content.decode()
