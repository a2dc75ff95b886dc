"""Every admin page a demo role can reach is in Chinese outside its data (issue 14 part 1).

One test loads the demo (as ``make run`` does) and walks the admin as each role: the
index, every list, add page, record page, history and past version, import, export,
the reports and the audit, one page per URL shape and filter (``tests.pagewalk``). Words
from the database (names, notes, usernames) are data; everything else a person reads
must not be English, file formats and the product's name aside.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from funds.models import LedgerEntry
from tests.pagewalk import data_words, english_words, walk
from unions.models import User

# One user per role: the other districts' clerks and heads see the same pages.
ROLES = ["city_admin", "city_auditor", "kunshan_clerk", "kunshan_head"]
# Pages a role may not open: the refusal is a page too.
REFUSED = {
    "city_auditor": ["/admin/cases/case/add/", "/admin/cases/case/import/"],
    "kunshan_head": ["/admin/reports/audit/"],
}


@pytest.fixture
def demo(db):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    return client


def test_no_page_of_any_demo_role_shows_english(demo):
    known = data_words()
    english = {}
    walked = {username: walk(_client(username)) for username in ROLES}
    for username, pages in walked.items():
        for url, html in pages.items():
            if words := english_words(html, known):
                english[f"{username} {url}"] = words

    assert english == {}
    # The walk reached the pages it is meant to check, not just the index.
    assert all(len(pages) > 60 for pages in walked.values())
    for part in ("/admin/cases/case/", "/change/", "/history/", "/import/", "/export/",
                 "/admin/reports/summary/", "/admin/funds/ledgerentry/?"):  # fmt: skip
        assert any(part in url for url in walked["kunshan_clerk"]), part
    assert any("/admin/reports/audit/?rule=" in url for url in walked["city_auditor"])
    # The demo's pending transfer (档案转接): its list and page, on the sending side.
    assert any(url.startswith("/admin/cases/casetransfer/") and "/change/" in url
               for url in walked["kunshan_head"])  # fmt: skip


def test_a_refused_page_is_an_admin_page_in_chinese_that_says_what_and_links_back(demo):
    known = data_words()
    reversal = f"/admin/funds/ledgerentry/{LedgerEntry.objects.first().pk}/reverse/"
    for username, urls in {
        **REFUSED,
        "city_auditor": [*REFUSED["city_auditor"], reversal],
    }.items():
        for url in urls:
            response = _client(username).get(url, HTTP_REFERER="http://testserver/admin/")
            html = response.content.decode()

            assert response.status_code == 403
            assert english_words(html, known) == [], url
            assert "Forbidden" not in html
            assert 'id="site-name"' in html  # the admin's header, not a bare page
            assert 'href="http://testserver/admin/"' in html  # back where they came from
    page = _client("city_auditor").get("/admin/cases/case/add/").content.decode()
    assert "你的身份是苏州市总工会·市总审计，不能新增困难职工档案。" in page
    page = _client("kunshan_head").get("/admin/reports/audit/").content.decode()
    assert "不能打开市总审计" in page
