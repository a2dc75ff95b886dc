"""History pages in a clerk's words: labels not codes, 、 not Python lists, （空） not None
(adminkit.history.ClerkHistoryHelper, issue 14 part 1)."""

from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import Category


def test_a_status_change_shows_labels_and_lists_in_chinese(
    client_for, kunshan_head, kunshan_pending_case
):
    case = kunshan_pending_case
    case.extra_categories = [Category.RETIREE, Category.MIGRANT]
    case._history_user = kunshan_head
    case.save()
    services.case_verify(case=case, acting_user=kunshan_head)

    page = client_for(kunshan_head).get(reverse("admin:cases_case_history", args=[case.pk]))
    html = page.content.decode()

    assert "待审核" in html and "在档" in html  # the labels of pending → verified
    assert "pending" not in html and "verified" not in html
    with translation.override("zh-hans"):
        assert f"{Category.RETIREE.label}、{Category.MIGRANT.label}" in html
    assert "[" not in html.split('id="change-history"')[1].split("</table>")[0]
    assert "None" not in html
    assert "改动" in html  # the "Changes" column


def test_a_link_followed_from_a_past_version_is_missing_not_a_server_error(
    client_for, city_admin, kunshan_clerk
):
    url = f"/admin/unions/user/{kunshan_clerk.pk}/history/password/"
    response = client_for(city_admin).get(url)

    assert response.status_code == 404
