"""The Content-Security-Policy header (issue 13 part 7), checked without a browser: every
page sends it, and every inline <script>/<style> of a page carries that page's nonce
(tests/browser/test_csp.py loads the pages in Chromium)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def policy_of(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def check_page(response):
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])
    for tag, attrs in INLINE.findall(html):
        if tag.lower() == "script" and "src=" in attrs:
            continue
        assert nonce and f'nonce="{nonce[1]}"' in attrs, f"<{tag}{attrs}> without the nonce"
    assert not re.search(r"\sstyle=\"", html), "an inline style attribute"


def test_the_login_page_sends_the_policy(client, db):
    check_page(client.get(reverse("admin:login")))


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/cases/case/", "/admin/cases/case/add/", "/admin/cases/case/import/"],
)
def test_clerk_pages_send_the_policy_and_nonce_their_inline_code(
    client_for, kunshan_clerk, kunshan_case, url
):
    check_page(client_for(kunshan_clerk).get(url))


def test_case_pages_and_reports(client_for, kunshan_clerk, city_auditor, kunshan_case):
    clerk = client_for(kunshan_clerk)
    for url in ("change", "history"):
        check_page(clerk.get(reverse(f"admin:cases_case_{url}", args=[kunshan_case.pk])))
    auditor = client_for(city_auditor)
    for url in ("/admin/reports/summary/?by=unit", "/admin/reports/summary/?by=category"):
        check_page(auditor.get(url))
