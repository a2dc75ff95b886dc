"""The campaign bulletin as a PDF: the same text as the page, in Chinese, in scope."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Campaign
from reports.pdf import pdf_unavailable_reason
from unions.models import User

pypdf = pytest.importorskip("pypdf")

# Without Pango or a font that covers Chinese the PDF cannot be drawn (the page says so
# instead, tested below); these tests then skip and say which package is missing.
needs_pdf = pytest.mark.skipif(
    pdf_unavailable_reason() is not None,
    reason=f"PDF tests skipped: {pdf_unavailable_reason()}",
)


@pytest.fixture
def demo(db):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    return Campaign.objects.get(name="2007年春节送温暖")


def pdf_text(response) -> str:
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages)


@needs_pdf
def test_the_bulletin_pdf_holds_the_seed_figures(demo, client_for):
    client = client_for(User.objects.get(username="city_auditor"))
    url = reverse("admin:reports_bulletin", args=[demo.pk])

    page = client.get(url)
    response = client.get(url, {"format": "pdf"})

    assert 'id="bulletin-pdf"' in page.content.decode()
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    text = "".join(pdf_text(response).split())  # lines are broken where the page is full
    assert "吴中区总工会" in text and "发放慰问金110,500.00元" in text
    assert "共592户（人），发放慰问金750,000.00元" in text


@needs_pdf
def test_a_district_pdf_holds_only_its_district(demo, client_for):
    client = client_for(User.objects.get(username="kunshan_clerk"))

    response = client.get(reverse("admin:reports_bulletin", args=[demo.pk]), {"format": "pdf"})

    text = "".join(pdf_text(response).split())
    assert "昆山市总工会" in text and "吴中区总工会" not in text


def test_without_a_chinese_font_the_page_says_why_and_offers_no_pdf(demo, client_for, monkeypatch):
    reason = "no installed font can show Chinese (Debian package fonts-noto-cjk)"
    monkeypatch.setattr("reports.views.pdf_unavailable_reason", lambda: reason)
    monkeypatch.setattr("reports.pdf.pdf_unavailable_reason", lambda: reason)
    client = client_for(User.objects.get(username="city_auditor"))
    url = reverse("admin:reports_bulletin", args=[demo.pk])

    page = client.get(url).content.decode()
    refused = client.get(url, {"format": "pdf"}, follow=True)

    assert 'id="bulletin-pdf"' not in page
    assert "fonts-noto-cjk" in page
    assert refused["Content-Type"].startswith("text/html")
    assert "fonts-noto-cjk" in refused.content.decode()
