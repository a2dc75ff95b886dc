"""Lists that fit (issue 14 part 3): at 1366 px no name in the case list wraps, and on a
390 px phone the table does not scroll sideways; a refused page is the Chinese one."""

import pytest

from tests.cases.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _cases(units):
    for index, name in enumerate(["欧阳建国", "黄荣生", "司马小芳", "诸葛明亮", "顾粮"]):
        CaseFactory(unit=units["张浦镇工会" if index % 2 else "昆山市总工会"], name=name)


def test_names_do_not_wrap_at_1366_px(units, login, page):
    _cases(units)
    page.set_viewport_size({"width": 1366, "height": 900})
    login("kunshan_clerk")
    page.goto(f"{page.base_url}/admin/cases/case/")

    names = page.locator("#result_list th.field-name")
    line = page.evaluate(
        "() => parseFloat(getComputedStyle("
        "document.querySelector('#result_list th.field-name a')).lineHeight) || 20"
    )
    heights = [
        box["height"] for box in (names.nth(i).bounding_box() for i in range(names.count()))
    ]
    assert len(heights) == 5
    # One line of text plus the cell's padding: well under two lines.
    assert max(heights) < 2 * line + 8, heights
    dates = page.locator("#result_list td.field-registered_on").all_inner_texts()
    assert all(len(text.strip()) >= 8 for text in dates)  # not cut off


def test_the_case_list_fits_a_phone(units, login, page):
    _cases(units)
    page.set_viewport_size({"width": 390, "height": 844})
    login("kunshan_clerk")
    page.goto(f"{page.base_url}/admin/cases/case/")

    widths = page.evaluate(
        "() => [document.querySelector('#result_list').getBoundingClientRect().width,"
        " document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


def test_an_auditor_sees_the_chinese_refusal(units, login, page):
    _cases(units)
    login("city_auditor")
    page.goto(f"{page.base_url}/admin/cases/case/")
    page.goto(
        f"{page.base_url}/admin/cases/case/add/", referer=f"{page.base_url}/admin/cases/case/"
    )

    assert "不能新增困难职工档案" in page.locator(".errornote").inner_text()
    assert "Forbidden" not in page.content()
    assert page.locator("#site-name").count() == 1  # an admin page, not a bare one
    # it links back where the auditor came from (issue 14 part 1)
    page.click("text=返回上一页")
    page.wait_for_url("**/admin/cases/case/")
    assert page.locator("#result_list").count() == 1


def test_the_dashboard_tiles_wrap_whole_within_the_page(units, login, page):
    # issue 14 part 12, at the desktop width the issue was seen at
    _cases(units)
    page.set_viewport_size({"width": 1366, "height": 900})
    login("kunshan_head")
    page.goto(f"{page.base_url}/admin/")

    # Issue 17 brought more cards than fit in one row: they wrap, each whole on the page,
    # never cut off at the right edge.
    tiles = page.locator(".relief-cards .relief-card")
    assert tiles.count() >= 3
    boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 1366 for box in boxes), boxes
