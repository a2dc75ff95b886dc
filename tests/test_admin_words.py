"""Django 6.1's own admin words that its zh_Hans catalog lacks are shown in Chinese
(locale/zh_Hans: django.po and djangojs.po carry them)."""

from django.urls import reverse


def test_the_case_list_has_no_english_select_or_filter_words(client_for, kunshan_clerk):
    page = client_for(kunshan_clerk).get(reverse("admin:cases_case_changelist")).content
    text = page.decode()

    assert "Select an option" not in text and "- 请选择 -" in text
    assert "Filter by" not in text and "按建档日期筛选" in text


def test_the_admin_javascript_catalog_has_the_timezone_note(client_for, kunshan_clerk):
    catalog = client_for(kunshan_clerk).get(reverse("admin:jsi18n")).content.decode()

    assert "\\u6ce8\\u610f\\uff1a\\u8bf7\\u6309" in catalog or "注意：请按" in catalog
