"""A 昆山 clerk registers a case with a household member; the approver verifies it."""

import pytest

from cases.idnumbers import check_digit
from cases.models import Case, CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_17 = "32058319700315123"
ID_NUMBER = ID_17 + check_digit(ID_17)


def test_clerk_registers_a_case_with_a_child_and_the_approver_verifies_it(units, login, page):
    login("kunshan_clerk")
    page.goto(f"{page.base_url}/admin/cases/case/add/")
    page.fill("#id_name", "顾小英")
    page.fill("#id_id_number", ID_NUMBER.lower())
    page.select_option("#id_unit", label="张浦镇工会")
    page.select_option("#id_category", value="hardship_worker")
    page.fill("#id_household_size", "3")
    page.click("#members-group .add-row a")
    page.select_option("#id_members-0-relation", value="child")
    page.fill("#id_members-0-name", "顾小明")
    page.fill("#id_members-0-school", "昆山中学")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    case = Case.objects.get(id_number=ID_NUMBER)
    assert case.status == CaseStatus.PENDING
    assert [m.school for m in case.members.all()] == ["昆山中学"]

    page.click("#logout-form button")
    login("kunshan_head")
    page.goto(f"{page.base_url}/admin/cases/case/?status__exact=pending")
    page.check(f"input[name=_selected_action][value='{case.pk}']")
    page.select_option("select[name=action]", value="verify_cases")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")

    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED
    assert case.verified_by.username == "kunshan_head"
    assert "在档" in page.content()
