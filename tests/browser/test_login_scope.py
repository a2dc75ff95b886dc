"""A district clerk logs in to a Chinese admin and sees only their own district's units."""

import pytest

KUNSHAN_TREE = {"昆山市总工会", "张浦镇工会", "陆家镇工会", "巴城镇工会"}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kunshan_clerk_sees_chinese_admin_and_only_kunshan_units(units, login, page):
    login("kunshan_clerk")

    page.goto(f"{page.base_url}/admin/unions/unionunit/")

    rows = page.locator("#result_list tbody th").all_inner_texts()
    assert {row.strip() for row in rows} == {
        "昆山市总工会",
        "张浦镇工会",
        "陆家镇工会",
        "巴城镇工会",
    }
    assert "吴中区总工会" not in page.content()
    assert "帮扶 Relief" in page.title()
    assert page.locator("#user-tools").inner_text().startswith("欢迎")
