"""adminkit.renderers.FastWidgetRenderer draws exactly what Django's widget templates draw."""

import datetime
import re
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.safestring import mark_safe

from adminkit.renderers import FastWidgetRenderer

TEMPLATES = DjangoTemplates()

WIDGETS = [
    (forms.TextInput(), "name", 'O\'Brien & <b>"张三"</b>'),
    (forms.TextInput(attrs={"required": True, "disabled": False, "maxlength": 20}), "n", None),
    (forms.TextInput(attrs={"placeholder": mark_safe("<i>x</i>")}), "n", mark_safe("<b>safe</b>")),
    (forms.NumberInput(attrs={"step": Decimal("0.01")}), "amount", Decimal("15000000.00")),
    (forms.DateInput(), "on", datetime.date(2026, 12, 8)),
    (forms.HiddenInput(), "id", 42),
    (forms.CheckboxInput(), "ok", True),
    (forms.CheckboxInput(), "ok", False),
    (forms.EmailInput(), "email", "a@b.cn"),
    (forms.PasswordInput(render_value=True), "pw", "s3<cr>et"),
    (forms.Select(choices=[("", "---------"), ("a", "甲 & 乙"), (3, 2026)]), "s", "a"),
    (forms.Select(choices=[("组一", [("x", "X"), ("y", "<Y>")]), ("z", "Z")]), "s", "y"),
    (forms.SelectMultiple(choices=[(1, "一"), (2, "二")]), "m", [1, 2]),
    # Drawn by the templates (options of their own), through the same renderer.
    (forms.RadioSelect(choices=[("a", "A"), ("b", "B")]), "r", "b"),
    (forms.Textarea(), "notes", "第一行\n<第二行>"),
]


@pytest.mark.parametrize(("widget", "name", "value"), WIDGETS)
def test_each_widget_draws_as_the_templates_do(widget, name, value):
    fast = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=FastWidgetRenderer())
    slow = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=TEMPLATES)

    assert fast == slow


def test_the_plain_widgets_are_drawn_in_python():
    renderer = FastWidgetRenderer()
    drawn = renderer.drawn

    assert {"django/forms/widgets/text.html", "django/forms/widgets/select.html"} <= set(drawn)
    assert "django/forms/widgets/radio.html" not in drawn


def test_an_overridden_widget_template_keeps_the_templates(monkeypatch):
    monkeypatch.setattr(FastWidgetRenderer, "_is_djangos", lambda self, name: False)

    assert FastWidgetRenderer().drawn == {}


def _page(client, url) -> str:
    html = client.get(url).content.decode()
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize(
    "url",
    [
        "admin:cases_case_change",
        "admin:cases_case_add",
        "admin:funds_disbursement_add",
        "admin:cases_case_changelist",
        "admin:funds_disbursement_changelist",
    ],
)
def test_pages_are_the_same_with_either_renderer(settings, client_for, kunshan_clerk,
                                                 kunshan_case, url):  # fmt: skip
    from tests.cases.factories import HouseholdMemberFactory

    HouseholdMemberFactory(case=kunshan_case, name="张小明")
    client = client_for(kunshan_clerk)
    path = reverse(url, args=[kunshan_case.pk] if url.endswith("_change") else [])
    assert settings.FORM_RENDERER == "adminkit.renderers.FastWidgetRenderer"
    fast = _page(client, path)
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    slow = _page(client, path)

    assert "<input" in fast
    assert fast == slow
