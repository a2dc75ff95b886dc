"""With the demo data, the campaign bulletin reproduces the seed bulletin's figures."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Campaign


@pytest.fixture
def demo(db):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    return Campaign.objects.get(name="2007年春节送温暖")


def test_bulletin_reproduces_the_seed_figures(demo, client_for):
    from unions.models import User

    response = client_for(User.objects.get(username="city_auditor")).get(
        reverse("admin:reports_bulletin", args=[demo.pk])
    )

    html = response.content.decode()
    # 吴中: "慰问了74户困难离退休职工，发放慰问金110500元"
    assert "共74户（人），发放慰问金110,500.00元" in html
    # 吴中: "分四路……共慰问困难职工219人，发放慰问金171400元"
    assert "分4路带队" in html and "共219户（人），发放慰问金171,400.00元" in html
    # 昆山: 4 enterprise union chairs, 7,500元
    assert "共4户（人），发放慰问金7,500.00元" in html
    # 昆山: 兵分7路, 14 households
    assert "分7路带队" in html and "共14户（人）" in html
    # 工投: 592 people, 75万元
    assert "共592户（人），发放慰问金750,000.00元" in html


def test_district_user_gets_a_bulletin_of_their_own_district(demo, client_for):
    from unions.models import User

    response = client_for(User.objects.get(username="kunshan_clerk")).get(
        reverse("admin:reports_bulletin", args=[demo.pk])
    )

    districts = [p["district"] for p in response.context["paragraphs"]]
    assert districts == ["昆山市总工会"]
