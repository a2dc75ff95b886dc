"""档案转接 in the browser: 昆山's head transfers a file to 吴中's 木渎镇工会; 吴中's head
finds it on the transfers list, sees only what the decision needs, and accepts it."""

import pytest

from cases.models import CaseTransfer, TransferState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kunshan_starts_a_transfer_and_wuzhong_accepts_it(units, kunshan_case, login, page):
    login("kunshan_head")
    page.goto(f"{page.base_url}/admin/cases/case/")
    page.check(f"input[name=_selected_action][value='{kunshan_case.pk}']")
    page.select_option("select[name=action]", value="start_transfers")
    page.click("button[name=index]")
    page.select_option("#id_to_unit", label="木渎镇工会（吴中区总工会）")
    page.fill("#id_reason", "本人工作调动至吴中区木渎镇")
    page.click("input[name=_apply]")
    page.wait_for_selector(".messagelist .success")
    assert "已发起转接 1 份" in page.inner_text(".messagelist")

    page.click("#logout-form button")
    login("wuzhong_head")
    page.goto(f"{page.base_url}/admin/cases/casetransfer/?side=in")
    page.click(f"text={kunshan_case.name}")
    body = page.inner_text("#content")
    assert kunshan_case.masked_id_number in body and kunshan_case.id_number not in body
    assert "本人工作调动至吴中区木渎镇" in body and "张浦镇工会" in body
    page.check("input[name=decision][value=accept]")
    page.click("input[name=_decide]")
    page.wait_for_selector(".messagelist .success")
    assert "档案现归木渎镇工会" in page.inner_text(".messagelist")

    transfer = CaseTransfer.objects.get()
    kunshan_case.refresh_from_db()
    assert transfer.state == TransferState.ACCEPTED
    assert transfer.decided_by.username == "wuzhong_head"
    assert kunshan_case.unit.name == "木渎镇工会"
    # The file is 吴中's now: its page opens for the head who accepted it.
    page.goto(f"{page.base_url}/admin/cases/case/{kunshan_case.pk}/change/")
    assert kunshan_case.name in page.inner_text("#content")
