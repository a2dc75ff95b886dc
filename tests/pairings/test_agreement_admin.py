"""A clerk signs an agreement in the admin: terms, beneficiaries, the signed document."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import HouseholdMember
from pairings.models import Agreement, AgreementStatus
from tests.cases.factories import CaseFactory

AGREEMENTS = "/admin/pairings/agreement/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_data(bank, unit, rows, **fields):
    data = {
        "number": "KS-2007-ZX01",
        "sponsor": bank.pk,
        "unit": unit.pk,
        "kind": "student",
        "amount": "800",
        "period": "once",
        "start": "2007-02-05",
        "end": "2009-07-31",
        "notes": "",
        "beneficiaries-TOTAL_FORMS": str(len(rows)),
        "beneficiaries-INITIAL_FORMS": "0",
        "beneficiaries-MIN_NUM_FORMS": "0",
        "beneficiaries-MAX_NUM_FORMS": "1000",
        "_save": "1",
        **fields,
    }
    for index, row in enumerate(rows):
        data.update({f"beneficiaries-{index}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def pupils(units):
    """Two children at 昆山中学 and 震川中学, each in a 昆山 hardship household."""
    children = []
    for school in ("昆山中学", "震川中学"):
        case = CaseFactory(unit=units["昆山市总工会"], verified=True)
        children.append(
            HouseholdMember.objects.create(case=case, relation="child", name="学生", school=school)
        )
    return children


def test_the_add_form_starts_with_the_clerks_own_unit(units, kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(f"{AGREEMENTS}add/")

    assert response.context["adminform"].form.initial["unit"] == units["昆山市总工会"].pk


def test_a_clerk_signs_a_student_pairing_for_two_pupils_as_a_draft(
    units, bank, pupils, kunshan_clerk, client_for
):
    rows = [{"case": p.case_id, "student": p.pk} for p in pupils]

    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}add/", add_data(bank, units["昆山市总工会"], rows)
    )

    assert response.status_code == 302
    agreement = Agreement.objects.get(number="KS-2007-ZX01")
    assert agreement.status == AgreementStatus.DRAFT
    assert {b.student for b in agreement.beneficiaries.all()} == set(pupils)
    assert agreement.history.latest().history_user == kunshan_clerk


def test_a_student_pairing_names_the_student_already_on_the_add_page(
    units, bank, pupils, kunshan_clerk, client_for
):
    rows = [{"case": pupils[0].case_id, "student": ""}]

    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}add/", add_data(bank, units["昆山市总工会"], rows)
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "student" in errors[0]
    assert not Agreement.objects.exists()


def test_the_student_must_be_a_child_of_the_named_case(
    units, bank, pupils, kunshan_clerk, client_for
):
    rows = [{"case": pupils[0].case_id, "student": pupils[1].pk}]

    response = client_for(kunshan_clerk).post(
        f"{AGREEMENTS}add/", add_data(bank, units["昆山市总工会"], rows)
    )

    assert response.status_code == 200
    assert "student" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert not Agreement.objects.exists()


def test_the_signed_document_is_downloaded_only_through_the_scoped_page(
    units, bank, pupils, kunshan_clerk, wuzhong_clerk, client_for
):
    client = client_for(kunshan_clerk)
    rows = [{"case": pupils[0].case_id, "student": pupils[0].pk}]
    scan = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    client.post(f"{AGREEMENTS}add/", add_data(bank, units["昆山市总工会"], rows, document=scan))
    agreement = Agreement.objects.get()
    download = f"{AGREEMENTS}{agreement.pk}/document/"

    page = client.get(f"{AGREEMENTS}{agreement.pk}/change/")
    own = client.get(download)
    other = client_for(wuzhong_clerk).get(download)

    assert agreement.document.name.startswith("agreements/")
    assert download in page.content.decode()
    assert "/media/" not in page.content.decode()
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == b"%PDF-1.4 signed"
    assert other.status_code == 302


def test_an_auditor_sees_the_document_link_without_an_upload_field(
    units, bank, pupils, kunshan_clerk, city_auditor, client_for
):
    rows = [{"case": pupils[0].case_id, "student": pupils[0].pk}]
    scan = SimpleUploadedFile("协议.pdf", b"%PDF", content_type="application/pdf")
    client_for(kunshan_clerk).post(
        f"{AGREEMENTS}add/", add_data(bank, units["昆山市总工会"], rows, document=scan)
    )
    agreement = Agreement.objects.get()

    page = client_for(city_auditor).get(f"{AGREEMENTS}{agreement.pk}/change/")

    html = page.content.decode()
    assert f"{AGREEMENTS}{agreement.pk}/document/" in html
    assert 'type="file"' not in html
