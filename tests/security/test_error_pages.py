"""The 500 and 503 pages under the Content-Security-Policy (issue 13 part 7): they carry
no inline style the policy would block (style-src 'self' and a nonce, and they are
rendered without a request, so without a nonce), their look comes from a same-origin
stylesheet, and they still read in Chinese. tests/browser/test_csp.py loads them in
Chromium and checks that nothing is refused."""

import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

FAILING = "django.contrib.admin.views.main.ChangeList.get_results"
STATIC = Path(settings.BASE_DIR) / "reliefsite" / "static" / "relief" / "errors.css"


def error_page(user, error: Exception):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with mock.patch(FAILING, side_effect=error):
        return client.get("/admin/cases/case/")


def assert_nothing_inline_the_policy_blocks(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    # the page used no nonce, so Django sends none: only the site's own stylesheets apply
    assert re.search(r"style-src 'self'(;| 'nonce-)", policy)
    html = response.content.decode()
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)  # no style attribute at all
    assert not re.search(r"<style\b", html, re.IGNORECASE)
    assert not re.search(r"<script\b", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)  # no inline handlers
    # the stylesheet is the site's own ('self')
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert links == ["/static/relief/errors.css"]


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", body.split(">", 1)[1])


@pytest.mark.parametrize(
    "error,status,heading,text",
    [
        (
            RuntimeError("bug"),
            500,
            "出错了",
            "页面无法显示，本次操作没有保存任何内容。",
        ),
        (
            OperationalError("server closed the connection unexpectedly"),
            503,
            "服务暂时不可用",
            "数据库没有响应，本次操作没有保存任何内容。请稍等片刻再试。",
        ),
    ],
    ids=["500", "503"],
)
def test_the_error_pages_have_no_inline_style_and_read_in_chinese(
    kunshan_clerk, error, status, heading, text
):
    response = error_page(kunshan_clerk, error)

    assert response.status_code == status
    assert_nothing_inline_the_policy_blocks(response)
    html = response.content.decode()
    assert '<body class="error-page">' in html
    assert f"<h1>{heading}</h1>" in html and f"<title>{heading}</title>" in html
    assert text in html
    assert "返回首页" in html
    # no English outside the markup
    assert not re.findall(r"[A-Za-z]{3,}", visible_text(html))


def test_the_error_stylesheet_holds_what_the_style_attribute_did():
    css = STATIC.read_text()

    assert "body.error-page" in css
    for rule in ("max-width: 40em", "margin: 4em auto", "font-family:"):
        assert rule in css


def test_an_error_page_that_cannot_be_rendered_still_says_it_in_chinese(kunshan_clerk):
    with mock.patch("reliefsite.errors.loader.render_to_string", side_effect=ValueError):
        response = error_page(kunshan_clerk, RuntimeError("bug"))

    assert response.status_code == 500
    assert "<h1>出错了</h1>" in response.content.decode()
    assert "style=" not in response.content.decode()
