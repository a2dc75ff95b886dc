"""The campaign bulletin as a PDF: the same text as the page, in Chinese, in scope."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Campaign
from unions.models import User

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def demo(db):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    return Campaign.objects.get(name="2007年春节送温暖")


def pdf_text(response) -> str:
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages)


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


def test_a_district_pdf_holds_only_its_district(demo, client_for):
    client = client_for(User.objects.get(username="kunshan_clerk"))

    response = client.get(reverse("admin:reports_bulletin", args=[demo.pk]), {"format": "pdf"})

    text = "".join(pdf_text(response).split())
    assert "昆山市总工会" in text and "吴中区总工会" not in text
