"""草稿 → 生效 → 到期 / 终止: the transitions, the refusals, and the admin's actions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pairings.models import Agreement, AgreementStatus
from pairings.services import agreement_activate, agreement_terminate
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory

CHANGELIST = "/admin/pairings/agreement/"


@pytest.fixture
def draft(units):
    agreement = AgreementFactory(unit=units["昆山市总工会"], status=AgreementStatus.DRAFT)
    BeneficiaryFactory(agreement=agreement)
    return agreement


def test_a_draft_with_a_beneficiary_is_put_into_effect(draft, kunshan_clerk):
    agreement_activate(agreement=draft, acting_user=kunshan_clerk)

    draft.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    assert draft.history.latest().history_user == kunshan_clerk


def test_a_draft_without_beneficiaries_is_not_put_into_effect(units, kunshan_clerk):
    empty = AgreementFactory(unit=units["昆山市总工会"], status=AgreementStatus.DRAFT)

    with pytest.raises(ValidationError, match="请先指定至少一名帮扶对象。"):
        agreement_activate(agreement=empty, acting_user=kunshan_clerk)

    empty.refresh_from_db()
    assert empty.status == AgreementStatus.DRAFT


@pytest.mark.parametrize("status", [AgreementStatus.ACTIVE, AgreementStatus.TERMINATED])
def test_only_a_draft_can_be_put_into_effect(units, kunshan_clerk, status):
    agreement = AgreementFactory(
        unit=units["昆山市总工会"], status=status, termination_reason="资助方撤回"
    )
    BeneficiaryFactory(agreement=agreement)

    with pytest.raises(ValidationError, match="只有草稿状态的协议才能生效。"):
        agreement_activate(agreement=agreement, acting_user=kunshan_clerk)

    agreement.refresh_from_db()
    assert agreement.status == status


def test_termination_records_the_reason(units, kunshan_clerk):
    agreement = AgreementFactory(unit=units["昆山市总工会"])

    agreement_terminate(agreement=agreement, reason="  受助人已脱困  ", acting_user=kunshan_clerk)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.termination_reason == "受助人已脱困"


@pytest.mark.parametrize("reason", ["", "   "])
def test_termination_needs_a_reason(units, kunshan_clerk, reason):
    agreement = AgreementFactory(unit=units["昆山市总工会"])

    with pytest.raises(ValidationError) as refused:
        agreement_terminate(agreement=agreement, reason=reason, acting_user=kunshan_clerk)

    assert "termination_reason" in refused.value.message_dict
    assert refused.value.message_dict["termination_reason"] == ["请填写终止协议的原因。"]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_a_terminated_agreement_is_not_terminated_again(units, kunshan_clerk):
    agreement = AgreementFactory(
        unit=units["昆山市总工会"], status=AgreementStatus.TERMINATED, termination_reason="旧理由"
    )

    with pytest.raises(ValidationError, match="该协议已终止。"):
        agreement_terminate(agreement=agreement, reason="新理由", acting_user=kunshan_clerk)

    agreement.refresh_from_db()
    assert agreement.termination_reason == "旧理由"


def test_the_database_refuses_a_terminated_agreement_without_a_reason(units):
    agreement = AgreementFactory(unit=units["昆山市总工会"])

    with (
        pytest.raises(IntegrityError, match="agreement_termination_has_reason"),
        transaction.atomic(),
    ):
        Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.TERMINATED)


def test_another_district_and_the_auditor_cannot_change_the_status(
    draft, wuzhong_clerk, city_auditor
):
    for user in (wuzhong_clerk, city_auditor):
        with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
            agreement_activate(agreement=draft, acting_user=user)
        with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
            agreement_terminate(agreement=draft, reason="越权", acting_user=user)

    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT


def test_an_agreement_in_effect_has_expired_the_day_after_its_end(units):
    today = timezone.localdate()
    ends_today = AgreementFactory(unit=units["昆山市总工会"], end=today)
    ended = AgreementFactory(unit=units["昆山市总工会"], end=today - datetime.timedelta(days=1))
    draft_ended = AgreementFactory(
        unit=units["昆山市总工会"],
        end=today - datetime.timedelta(days=1),
        status=AgreementStatus.DRAFT,
    )

    assert ends_today.effective_status == AgreementStatus.ACTIVE
    assert ended.effective_status == AgreementStatus.EXPIRED
    assert draft_ended.effective_status == AgreementStatus.DRAFT


def test_the_list_shows_expired_for_an_agreement_past_its_end(units, kunshan_clerk, client_for):
    AgreementFactory(number="KS-OLD", unit=units["昆山市总工会"], end=datetime.date(2008, 12, 31))

    response = client_for(kunshan_clerk).get(CHANGELIST, {"status": AgreementStatus.EXPIRED})

    changelist = response.context["cl"]
    assert [a.number for a in changelist.result_list] == ["KS-OLD"]
    shown = changelist.model_admin.status_display(changelist.result_list[0])
    assert shown == AgreementStatus.EXPIRED.label


# --- the admin's actions -----------------------------------------------------------


def test_the_put_into_effect_action(draft, kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).post(
        CHANGELIST,
        {"action": "activate_agreements", "_selected_action": [draft.pk], "index": 0},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    assert response.status_code == 200


def test_the_put_into_effect_action_reports_a_refusal(units, kunshan_clerk, client_for):
    empty = AgreementFactory(
        number="KS-EMPTY", unit=units["昆山市总工会"], status=AgreementStatus.DRAFT
    )

    response = client_for(kunshan_clerk).post(
        CHANGELIST,
        {"action": "activate_agreements", "_selected_action": [empty.pk], "index": 0},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("KS-EMPTY") for m in messages)
    empty.refresh_from_db()
    assert empty.status == AgreementStatus.DRAFT


def test_the_terminate_action_asks_for_a_reason_first(units, kunshan_clerk, client_for):
    agreement = AgreementFactory(number="KS-TERM", unit=units["昆山市总工会"])
    client = client_for(kunshan_clerk)
    selected = {"action": "terminate_agreements", "_selected_action": [agreement.pk]}

    asked = client.post(CHANGELIST, {**selected, "index": 0})
    without_reason = client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": " "})
    agreement.refresh_from_db()
    status_after_empty_reason = agreement.status
    done = client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": "资助单位改制"})

    assert asked.status_code == 200
    assert "KS-TERM" in asked.content.decode()
    assert 'name="reason"' in asked.content.decode()
    assert without_reason.status_code == 200
    assert without_reason.context["form"].errors
    assert status_after_empty_reason == AgreementStatus.ACTIVE
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.termination_reason == "资助单位改制"


def test_the_auditor_is_offered_only_export_and_cannot_run_another(
    units, city_auditor, client_for
):
    agreement = AgreementFactory(unit=units["昆山市总工会"])
    client = client_for(city_auditor)

    listing = client.get(CHANGELIST)
    client.post(
        CHANGELIST,
        {
            "action": "terminate_agreements",
            "_selected_action": [agreement.pk],
            "confirm": "yes",
            "reason": "审计",
        },
    )

    assert listing.status_code == 200
    offered = [value for value, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_selected"]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_a_clerk_cannot_edit_the_terms_of_an_agreement_in_effect(units, kunshan_clerk, client_for):
    agreement = AgreementFactory(unit=units["昆山市总工会"])

    response = client_for(kunshan_clerk).get(f"{CHANGELIST}{agreement.pk}/change/")

    form_fields = response.context["adminform"].form.fields
    assert "amount" not in form_fields and "start" not in form_fields
    assert "end" in form_fields and "document" in form_fields


def test_revert_to_a_past_version_is_disabled(units, kunshan_clerk, client_for):
    agreement = AgreementFactory(unit=units["昆山市总工会"], status=AgreementStatus.DRAFT)
    BeneficiaryFactory(agreement=agreement)
    draft_version = agreement.history.latest()
    agreement_terminate(agreement=agreement, reason="作废", acting_user=kunshan_clerk)

    url = f"{CHANGELIST}{agreement.pk}/history/{draft_version.history_id}/"
    client = client_for(kunshan_clerk)
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "document"}

    client.post(url, {k: v for k, v in data.items() if v is not None})

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
