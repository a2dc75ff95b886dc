"""Words a clerk uses (issue 14 part 2): 姓名 for a person, the full name in the greeting,
帮扶活动 / 走访慰问, 未填写 for an empty filter choice, no "view site", and the index's
box of recent work in plain words."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from core.money import format_yuan
from tests.cases.factories import CampaignFactory


def test_a_person_is_named_with_xingming_on_the_list_form_and_household(
    client_for, kunshan_clerk, kunshan_case
):
    client = client_for(kunshan_clerk)
    listing = client.get(reverse("admin:cases_case_changelist")).content.decode()
    form = client.get(reverse("admin:cases_case_change", args=[kunshan_case.pk])).content.decode()

    assert "姓名" in listing.split('id="result_list"')[1].split("</thead>")[0]
    assert '<label class="required" for="id_name">姓名' in form
    assert "名称" not in form.split('id="members-group"')[1].split("</thead>")[0]


def test_the_greeting_says_the_full_name_without_a_full_stop(client_for, kunshan_clerk):
    kunshan_clerk.last_name, kunshan_clerk.first_name = "顾", "粮"
    kunshan_clerk.save()
    html = client_for(kunshan_clerk).get(reverse("admin:index")).content.decode()
    tools = html.split('id="user-tools"')[1].split("</div>")[0]

    assert "欢迎，<strong>顾粮</strong>" in tools
    assert "</strong>." not in tools
    assert "查看站点" not in html


def test_campaign_and_visit_cannot_be_mistaken(client_for, kunshan_clerk):
    html = client_for(kunshan_clerk).get(reverse("admin:index")).content.decode()

    assert "帮扶活动" in html and "走访慰问" in html
    assert ">活动<" not in html and "慰问活动" not in html


def test_the_index_box_of_recent_work_is_in_plain_words(client_for, kunshan_clerk):
    html = client_for(kunshan_clerk).get(reverse("admin:index")).content.decode()

    assert "我最近的操作" in html and "最近动作" not in html
    assert "无可选的" not in html and "还没有操作" in html


def test_an_empty_choice_in_a_filter_says_not_filled_in(client_for, kunshan_clerk, units):
    CampaignFactory(organiser=units["昆山市总工会"])
    html = client_for(kunshan_clerk).get(reverse("admin:funds_disbursement_changelist"))
    text = html.content.decode()

    assert "未填写" in text  # the activity and campaign filters' empty choice
    assert ">-</a>" not in text.split('id="changelist-filter"')[1]


def test_money_has_thousands_separators_on_lists(client_for, kunshan_clerk, units):
    from decimal import Decimal

    CampaignFactory(organiser=units["昆山市总工会"], budget=Decimal("15000000"))
    html = client_for(kunshan_clerk).get(reverse("admin:cases_campaign_changelist"))

    assert "15,000,000.00" in html.content.decode()
    assert "15000000" not in html.content.decode()


def test_the_fund_choice_shows_its_balance_and_the_import_page_its_duration(
    client_for, kunshan_clerk, kunshan_fund
):
    client = client_for(kunshan_clerk)
    disbursement = client.get(reverse("admin:funds_disbursement_add")).content.decode()
    importing = client.get(reverse("admin:cases_case_import")).content.decode()

    assert f"{kunshan_fund} · 余额 {format_yuan(kunshan_fund.balance)} 元" in disbursement
    assert "每 10 万行检查约 15 秒" in importing


def test_pages_print_content_only_carry_a_favicon_and_reach_the_bulletin(
    client_for, kunshan_clerk, units
):
    campaign = CampaignFactory(organiser=units["昆山市总工会"])
    client = client_for(kunshan_clerk)
    listing = client.get(reverse("admin:cases_campaign_changelist")).content.decode()
    page = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk])).content.decode()
    summary = client.get(reverse("admin:reports_summary")).content.decode()
    bulletin = reverse("admin:reports_bulletin", args=[campaign.pk])

    assert bulletin in listing and bulletin in page
    assert "relief/relief.css" in page and "relief/favicon.svg" in page
    assert '<ol class="breadcrumbs">' in summary
    css = (Path(settings.BASE_DIR) / "reliefsite/static/relief/relief.css").read_text()
    assert "@media print" in css and "#changelist-filter" in css and "#nav-sidebar" in css


def test_a_cases_page_offers_only_the_actions_its_status_allows(
    client_for, kunshan_head, kunshan_pending_case
):
    url = reverse("admin:cases_case_change", args=[kunshan_pending_case.pk])
    html = client_for(kunshan_head).get(url).content.decode()
    menu = html.split('name="CHANGE_FORM-action"')[1].split("</select>")[0]

    assert "审核通过" in menu and "办理脱困" in menu
    assert "重新启用" not in menu and "向市总反映" not in menu
    assert "所选" not in menu
    listing = client_for(kunshan_head).get(reverse("admin:cases_case_changelist")).content
    assert "重新启用" in listing.decode()  # the list still offers every action
