"""A crawler over the admin as one user sees it, and the English words on its pages.

``walk(client)`` follows every link (and GET form target) of the admin from the index,
one page per URL shape (``/admin/cases/case/17/change/`` stands for every case), and
returns the HTML pages it reached. ``english_words(html, data_words)`` is the text a
person reads on a page (visible text, button labels, titles, placeholders) less the words
that come from the database, as a list of the English words left over.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.db import models

# Words Chinese users read as they are: file formats, "ID", "IP", the product's name (帮扶 Relief).
ALLOWED = {
    "PDF", "pdf", "IP", "xlsx", "xls", "csv", "CSV", "Excel", "ID", "OK", "SVG", "tsv", "json",
    "html", "yaml", "ods", "Relief", "LDAP",
    # The scanned authorisation's formats (cases.scans).
    "JPEG", "PNG",
    # The Debian package a page without a Chinese font names for the operator to install.
    "Debian", "fonts", "noto", "cjk",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Pages a walk does not open: signing out, the JavaScript catalogue, files.
SKIP = re.compile(r"/logout/|/jsi18n/|/document/|/template/|\.pdf|/download|/r/\d+/")
SHAPE = re.compile(r"/\d+(?=/)")
# Query parameters that only sort, page or pop up a list (and downloads).
IGNORED = re.compile(r"(o|p|_facets|_popup|_to_field|_changelist_filters|format)=")


class _Text(HTMLParser):
    """Visible text and the attributes people read; links and GET forms to follow."""

    # <bdi> holds what people typed (Django wraps user data in it, e.g. a password's
    # hash summary); the rest is either data or the page's own words.
    HIDDEN = {"script", "style", "template", "noscript", "bdi"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._stack: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            self._stack.append(tag)
            if tag in self.HIDDEN or "hidden" in attrs:
                self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if self._hidden:
            return
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
            self.text.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            if top in self.HIDDEN:
                self._hidden = max(self._hidden - 1, 0)
            if top == tag:
                break

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data)


def page_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.text), parser.links


def data_words() -> set[str]:
    """Every English-looking word stored in a text column of any model (names, notes,
    usernames, file names): data, not the page's own words."""
    words: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.FileField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields).iterator():
            for value in row:
                if value:
                    words.update(WORD.findall(str(value)))
    return words


def english_words(html: str, known_data: set[str]) -> list[str]:
    text, _links = page_text(html)
    return sorted(
        {word for word in WORD.findall(text) if word not in ALLOWED and word not in known_data}
    )


def walk(client, start: str = "/admin/", limit: int = 400) -> dict[str, str]:
    """The admin's HTML pages reachable from ``start`` by GET: ``{url: html}``."""
    pages: dict[str, str] = {}
    seen_shapes: set[str] = set()
    queue = [start]
    while queue and len(pages) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        # One page per path shape and set of query parameters: a filter, a drill-down
        # or an audit rule is its own page; its other values are the same page.
        params = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
        shape = SHAPE.sub("/N", parts.path) + "?" + "&".join(params)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = client.get(url)
        if response.status_code >= 500:
            pages[url] = f"<p>server error {response.status_code}</p>"
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        _text, links = page_text(html)
        for link in links:
            target = urlsplit(urljoin(url, link))
            if target.path.startswith("/admin/") and not SKIP.search(target.path):
                query = "&".join(
                    pair for pair in target.query.split("&") if pair and not IGNORED.match(pair)
                )
                if "&" not in query:  # one filter at a time: combinations say nothing new
                    queue.append(f"{target.path}?{query}" if query else target.path)
    return pages
