"""Every door of the pairing admin, for a clerk of another district.

The bank (registered by 金阊) signed with 金阊 and with 昆山; a 昆山 clerk sees the bank
and 昆山's agreement, and nothing of 金阊's: no number, no name, no unit.
"""

import datetime

import pytest
from django.utils import timezone

from cases.models import HouseholdMember
from pairings.models import Agreement, AgreementStatus, Beneficiary, Sponsor, SponsorKind
from pairings.services import agreement_payment_record
from tests.cases.factories import CaseFactory
from tests.pairings.conftest import (
    JINCHANG_PRIVATE_SPONSOR,
    JINCHANG_SECRET_NAME,
    JINCHANG_SECRET_NUMBER,
)
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory, SponsorFactory
from tests.scope_helpers import assert_looks_missing

SPONSORS = "/admin/pairings/sponsor/"
AGREEMENTS = "/admin/pairings/agreement/"
PAYMENTS = "/admin/pairings/agreementpayment/"
AUTOCOMPLETE = "/admin/autocomplete/"
D = datetime.date


def assert_nothing_of_jinchang(html: str) -> None:
    for secret in (JINCHANG_SECRET_NUMBER, JINCHANG_SECRET_NAME, JINCHANG_PRIVATE_SPONSOR):
        assert secret not in html
    assert "金阊区总工会" not in html


@pytest.fixture
def both(jinchang_agreement, kunshan_agreement, jinchang_private_sponsor):
    return jinchang_agreement, kunshan_agreement


@pytest.fixture
def payments(both, jinchang_clerk, kunshan_clerk):
    """One payment under each district's agreement."""
    made = []
    for agreement, clerk in zip(both, (jinchang_clerk, kunshan_clerk), strict=True):
        made.append(
            agreement_payment_record(
                beneficiary=agreement.beneficiaries.get(),
                paid_on=D(2007, 3, 1),
                amount="100",
                acting_user=clerk,
            )
        )
    return made


# --- the shared sponsor ----------------------------------------------------------------


def test_the_shared_sponsor_shows_each_district_only_its_own_agreements(
    bank, both, kunshan_clerk, jinchang_clerk, client_for
):
    kunshan = client_for(kunshan_clerk).get(f"{SPONSORS}{bank.pk}/change/")
    jinchang = client_for(jinchang_clerk).get(f"{SPONSORS}{bank.pk}/change/")

    assert kunshan.status_code == jinchang.status_code == 200
    assert "KS-OWN-01" in kunshan.content.decode()
    assert_nothing_of_jinchang(kunshan.content.decode())
    assert JINCHANG_SECRET_NUMBER in jinchang.content.decode()
    assert "KS-OWN-01" not in jinchang.content.decode()


def test_a_district_that_did_not_register_a_sponsor_cannot_change_it(
    bank, kunshan_clerk, client_for
):
    response = client_for(kunshan_clerk).post(
        f"{SPONSORS}{bank.pk}/change/", {"name": "改名", "kind": bank.kind, "contact": ""}
    )

    assert response.status_code == 403
    bank.refresh_from_db()
    assert bank.name == "中国农业银行苏州分行"


def test_the_history_of_a_shared_sponsor_belongs_to_the_registering_district(
    bank, kunshan_clerk, jinchang_clerk, client_for
):
    kunshan = client_for(kunshan_clerk).get(f"{SPONSORS}{bank.pk}/history/")
    jinchang = client_for(jinchang_clerk).get(f"{SPONSORS}{bank.pk}/history/")

    assert kunshan.status_code == 403
    assert jinchang.status_code == 200


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/"])
def test_another_districts_private_sponsor_looks_missing(
    jinchang_private_sponsor, kunshan_clerk, client_for, suffix
):
    assert_looks_missing(
        client_for(kunshan_clerk), SPONSORS + "{pk}/" + suffix, jinchang_private_sponsor.pk
    )


def test_the_sponsor_list_counts_only_the_users_own_agreements(both, kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(SPONSORS)

    rows = {s.name: s.visible_agreements for s in response.context["cl"].result_list}
    assert rows == {"中国农业银行苏州分行": 1}
    assert_nothing_of_jinchang(response.content.decode())


# --- agreements --------------------------------------------------------------------------


def test_the_agreement_list_shows_only_the_users_units(
    both, kunshan_clerk, city_auditor, client_for
):
    kunshan = client_for(kunshan_clerk).get(AGREEMENTS)
    auditor = client_for(city_auditor).get(AGREEMENTS)

    assert [a.number for a in kunshan.context["cl"].result_list] == ["KS-OWN-01"]
    assert_nothing_of_jinchang(kunshan.content.decode())
    assert {a.number for a in auditor.context["cl"].result_list} == {
        "KS-OWN-01",
        JINCHANG_SECRET_NUMBER,
    }


@pytest.mark.parametrize(
    "suffix", ["change/", "history/", "history/1/", "payment/", "document/", "delete/"]
)
def test_another_districts_agreement_looks_missing_on_every_page(
    both, kunshan_clerk, client_for, suffix
):
    jinchang_agreement, _kunshan_agreement = both

    response = assert_looks_missing(
        client_for(kunshan_clerk), AGREEMENTS + "{pk}/" + suffix, jinchang_agreement.pk
    )

    assert_nothing_of_jinchang(response.content.decode())


def test_a_forged_payment_post_to_another_districts_agreement_looks_missing(
    both, kunshan_clerk, client_for
):
    jinchang_agreement, _kunshan_agreement = both
    beneficiary = jinchang_agreement.beneficiaries.get()

    assert_looks_missing(
        client_for(kunshan_clerk),
        AGREEMENTS + "{pk}/payment/",
        jinchang_agreement.pk,
        method="post",
        data={"beneficiary": beneficiary.pk, "paid_on": "2007-03-01", "amount": "100"},
    )
    assert not beneficiary.payments.exists()


def test_the_list_filters_offer_only_what_the_user_may_see(units, both, kunshan_clerk, client_for):
    SponsorFactory(name="昆山个人捐助者", kind=SponsorKind.INDIVIDUAL, unit=units["张浦镇工会"])

    response = client_for(kunshan_clerk).get(AGREEMENTS)

    choices = {
        str(spec.title): {str(label) for _pk, label in getattr(spec, "lookup_choices", [])}
        for spec in response.context["cl"].filter_specs
    }
    offered = set().union(*choices.values())
    assert {"昆山市总工会", "张浦镇工会", "中国农业银行苏州分行", "昆山个人捐助者"} <= offered
    assert "金阊区总工会" not in offered and JINCHANG_PRIVATE_SPONSOR not in offered
    assert_nothing_of_jinchang(response.content.decode())


def test_autocomplete_offers_only_cases_sponsors_and_agreements_in_scope(
    both, kunshan_clerk, client_for
):
    client = client_for(kunshan_clerk)

    def texts(model_name, field_name):
        response = client.get(
            AUTOCOMPLETE,
            {
                "app_label": "pairings",
                "model_name": model_name,
                "field_name": field_name,
                "term": "",
            },
        )
        assert response.status_code == 200
        return {row["text"] for row in response.json()["results"]}

    cases = texts("beneficiary", "case")
    sponsors = texts("agreement", "sponsor")
    agreements = texts("beneficiary", "agreement")

    assert any("昆山受助人" in text for text in cases)
    assert not any(JINCHANG_SECRET_NAME in text for text in cases)
    assert sponsors == {"中国农业银行苏州分行"}
    assert agreements == {"KS-OWN-01 · 中国农业银行苏州分行"}


def test_an_agreement_cannot_be_signed_for_another_district_or_with_its_private_sponsor(
    units, both, jinchang_private_sponsor, kunshan_clerk, client_for
):
    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}add/",
        {
            "number": "KS-NEW-01",
            "sponsor": jinchang_private_sponsor.pk,
            "unit": units["金阊区总工会"].pk,
            "kind": "hardship",
            "amount": "100",
            "period": "monthly",
            "start": "2007-01-01",
            "end": "2008-12-31",
            "beneficiaries-TOTAL_FORMS": "0",
            "beneficiaries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert {"sponsor", "unit"} <= set(response.context["adminform"].form.errors)
    assert not Agreement.objects.filter(number="KS-NEW-01").exists()
    assert_nothing_of_jinchang(response.content.decode())


def inline_data(agreement, rows, initial=0):
    data = {
        "end": agreement.end.isoformat(),
        "notes": "",
        "beneficiaries-TOTAL_FORMS": str(len(rows)),
        "beneficiaries-INITIAL_FORMS": str(initial),
        "beneficiaries-MIN_NUM_FORMS": "0",
        "beneficiaries-MAX_NUM_FORMS": "1000",
        "_save": "1",
    }
    for index, row in enumerate(rows):
        data.update({f"beneficiaries-{index}-{k}": v for k, v in row.items()})
    return data


def test_a_case_or_student_of_another_district_cannot_be_named(
    units, both, kunshan_clerk, client_for
):
    _jinchang_agreement, kunshan_agreement = both
    jinchang_case = CaseFactory(unit=units["金阊区总工会"], verified=True)
    jinchang_child = HouseholdMember.objects.create(
        case=jinchang_case, relation="child", name="金阊学生"
    )
    kunshan_case = CaseFactory(unit=units["昆山市总工会"], verified=True)

    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}{kunshan_agreement.pk}/change/",
        inline_data(
            kunshan_agreement,
            [
                {"case": jinchang_case.pk, "student": ""},
                {"case": kunshan_case.pk, "student": jinchang_child.pk},
            ],
        ),
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "case" in errors[0] and "student" in errors[1]
    assert kunshan_agreement.beneficiaries.count() == 1
    assert "金阊学生" not in response.content.decode()


def test_a_forged_inline_row_of_another_district_is_neither_changed_nor_deleted(
    units, both, kunshan_clerk, client_for
):
    jinchang_agreement, kunshan_agreement = both
    hidden = jinchang_agreement.beneficiaries.get()

    client_for(kunshan_clerk).post(
        f"{AGREEMENTS}{kunshan_agreement.pk}/change/",
        inline_data(
            kunshan_agreement,
            [{"id": hidden.pk, "case": hidden.case_id, "student": "", "DELETE": "on"}],
            initial=1,
        ),
    )

    assert Beneficiary.objects.filter(pk=hidden.pk, agreement=jinchang_agreement).exists()


def test_actions_with_forged_ids_of_another_district_change_nothing(
    units, bank, kunshan_clerk, client_for
):
    draft = AgreementFactory(unit=units["金阊区总工会"], status=AgreementStatus.DRAFT)
    BeneficiaryFactory(agreement=draft)
    active = AgreementFactory(unit=units["金阊区总工会"])
    client = client_for(kunshan_clerk)

    client.post(
        AGREEMENTS,
        {"action": "activate_agreements", "_selected_action": [draft.pk], "index": 0},
    )
    client.post(
        AGREEMENTS,
        {
            "action": "terminate_agreements",
            "_selected_action": [active.pk],
            "confirm": "yes",
            "reason": "越权终止",
        },
    )

    draft.refresh_from_db()
    active.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT
    assert active.status == AgreementStatus.ACTIVE


def test_the_payment_form_refuses_another_districts_beneficiary_and_fund(
    both, jinchang_pairing_fund, kunshan_clerk, client_for
):
    jinchang_agreement, kunshan_agreement = both

    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}{kunshan_agreement.pk}/payment/",
        {
            "beneficiary": jinchang_agreement.beneficiaries.get().pk,
            "paid_on": "2007-03-01",
            "amount": "100",
            "fund": jinchang_pairing_fund.pk,
        },
    )

    assert {"beneficiary", "fund"} <= set(response.context["form"].errors)
    assert_nothing_of_jinchang(response.content.decode())
    assert "金阊扶贫帮困基金会" not in response.content.decode()


def test_the_expiring_list_shows_own_agreements_ending_within_30_days(
    units, bank, kunshan_clerk, client_for
):
    today = timezone.localdate()

    def ending_in(days, unit="昆山市总工会", **fields):
        return AgreementFactory(
            unit=units[unit], sponsor=bank, end=today + datetime.timedelta(days=days), **fields
        )

    ending_in(10, number="KS-SOON")
    ending_in(30, number="KS-DAY-30")
    ending_in(31, number="KS-LATER")
    ending_in(-1, number="KS-ENDED")
    ending_in(10, number="KS-DRAFT", status=AgreementStatus.DRAFT)
    ending_in(10, unit="金阊区总工会", number=JINCHANG_SECRET_NUMBER)

    response = client_for(kunshan_clerk).get(AGREEMENTS, {"expiring": "30"})

    assert {a.number for a in response.context["cl"].result_list} == {"KS-SOON", "KS-DAY-30"}
    assert_nothing_of_jinchang(response.content.decode())


def test_the_behind_list_shows_only_the_users_agreements(
    both, kunshan_clerk, city_auditor, client_for
):
    kunshan = client_for(kunshan_clerk).get(AGREEMENTS, {"behind": "yes"})
    auditor = client_for(city_auditor).get(AGREEMENTS, {"behind": "yes"})

    assert [a.number for a in kunshan.context["cl"].result_list] == ["KS-OWN-01"]
    assert {a.number for a in auditor.context["cl"].result_list} == {
        "KS-OWN-01",
        JINCHANG_SECRET_NUMBER,
    }


def test_the_auditor_reads_every_agreement_and_changes_none(both, city_auditor, client_for):
    jinchang_agreement, _kunshan_agreement = both
    client = client_for(city_auditor)

    page = client.get(f"{AGREEMENTS}{jinchang_agreement.pk}/change/")
    post = client.post(
        f"{AGREEMENTS}{jinchang_agreement.pk}/change/", inline_data(jinchang_agreement, [])
    )

    assert page.status_code == 200
    assert JINCHANG_SECRET_NAME in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403


# --- payments -----------------------------------------------------------------------------


def test_payments_of_another_district_are_neither_listed_nor_opened(
    payments, kunshan_clerk, client_for
):
    jinchang_payment, kunshan_payment = payments
    client = client_for(kunshan_clerk)

    listing = client.get(PAYMENTS)

    assert list(listing.context["cl"].result_list) == [kunshan_payment]
    assert_nothing_of_jinchang(listing.content.decode())
    for suffix in ("change/", "history/"):
        assert_looks_missing(client, PAYMENTS + "{pk}/" + suffix, jinchang_payment.pk)


def test_payment_list_filter_lookups_are_scoped(payments, kunshan_clerk, client_for):
    jinchang_payment, _kunshan_payment = payments
    client = client_for(kunshan_clerk)

    by_agreement = client.get(
        PAYMENTS, {"beneficiary__agreement__id__exact": jinchang_payment.beneficiary.agreement_id}
    )
    jinchang_unit = jinchang_payment.beneficiary.agreement.unit_id
    by_unit = client.get(PAYMENTS, {"beneficiary__agreement__unit__id__exact": jinchang_unit})

    for response in (by_agreement, by_unit):
        assert jinchang_payment not in response.context["cl"].result_list
        assert_nothing_of_jinchang(response.content.decode())


def test_a_personal_id_lookup_through_the_query_string_is_refused(
    payments, kunshan_clerk, client_for
):
    client = client_for(kunshan_clerk)

    agreements = client.get(AGREEMENTS, {"beneficiaries__case__id_number__startswith": "3"})
    payments_list = client.get(PAYMENTS, {"beneficiary__case__id_number__startswith": "3"})

    assert agreements.status_code == payments_list.status_code == 400


def test_nobody_adds_changes_or_deletes_payments_in_the_admin(payments, kunshan_head, client_for):
    _jinchang_payment, kunshan_payment = payments
    client = client_for(kunshan_head)

    add = client.get(f"{PAYMENTS}add/")
    change = client.post(f"{PAYMENTS}{kunshan_payment.pk}/change/", {})
    delete = client.post(f"{PAYMENTS}{kunshan_payment.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert kunshan_payment.__class__.objects.filter(pk=kunshan_payment.pk).exists()


# --- a case's page ----------------------------------------------------------------------


def test_a_cases_page_shows_only_the_users_agreements_naming_it(
    units, bank, kunshan_clerk, client_for
):
    kunshan_case = CaseFactory(unit=units["昆山市总工会"], verified=True)
    BeneficiaryFactory(
        agreement=AgreementFactory(number="KS-CASE-01", unit=units["昆山市总工会"], sponsor=bank),
        case=kunshan_case,
    )
    # A city-level pairing through 金阊 that names the same person (made outside the admin).
    BeneficiaryFactory(
        agreement=AgreementFactory(
            number=JINCHANG_SECRET_NUMBER,
            unit=units["金阊区总工会"],
            sponsor=SponsorFactory(name=JINCHANG_PRIVATE_SPONSOR, unit=units["金阊区总工会"]),
        ),
        case=kunshan_case,
    )

    response = client_for(kunshan_clerk).get(f"/admin/cases/case/{kunshan_case.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "KS-CASE-01" in html and "中国农业银行苏州分行" in html
    assert_nothing_of_jinchang(html)


def test_sponsor_choices_on_the_agreement_form_are_scoped(
    both, jinchang_private_sponsor, kunshan_clerk, client_for
):
    response = client_for(kunshan_clerk).get(f"{AGREEMENTS}add/")

    sponsors = set(response.context["adminform"].form.fields["sponsor"].queryset)
    assert sponsors == set(Sponsor.objects.filter(name="中国农业银行苏州分行"))
