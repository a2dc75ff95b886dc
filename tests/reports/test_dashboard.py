"""The dashboard's cards link to lists that show what the cards count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.pairings.factories import AgreementFactory

TODAY = timezone.localdate()


@pytest.mark.parametrize("role", ["kunshan_head", "city_auditor"])
def test_the_expiring_agreements_card_opens_the_list_with_the_expiring_filter(
    request, units, client_for, role
):
    AgreementFactory(number="XY-SOON", unit=units["昆山市总工会"],
                     end=TODAY + datetime.timedelta(days=10))  # fmt: skip
    AgreementFactory(number="XY-LATER", unit=units["昆山市总工会"],
                     end=TODAY + datetime.timedelta(days=400))  # fmt: skip
    client = client_for(request.getfixturevalue(role))
    index = client.get(reverse("admin:index"))
    changelist = reverse("admin:pairings_agreement_changelist")
    card = next(c for c in index.context["dashboard"] if c["url"].startswith(changelist))
    assert f'href="{card["url"]}"' in index.content.decode()

    response = client.get(card["url"])

    # A parameter the list does not know would redirect to "?e=1" (or be ignored).
    assert response.status_code == 200
    cl = response.context["cl"]
    assert [agreement.number for agreement in cl.result_list] == ["XY-SOON"]
    assert card["count"] == cl.result_count == 1
    applied = [spec for spec in cl.filter_specs if getattr(spec, "used_parameters", None)]
    assert [type(spec).__name__ for spec in applied] == ["ExpiringFilter"]


@pytest.mark.parametrize(
    ("role", "awaiting"), [("wuzhong_head", 1), ("kunshan_head", 0), ("city_admin", 1)]
)
def test_the_transfers_card_counts_what_awaits_the_users_units(
    request, units, client_for, kunshan_case, kunshan_head, role, awaiting
):
    from cases.transfers import transfer_start

    transfer_start(case=kunshan_case, to_unit=units["木渎镇工会"], reason="工作调动",
                   acting_user=kunshan_head)  # fmt: skip
    client = client_for(request.getfixturevalue(role))
    index = client.get(reverse("admin:index"))
    changelist = reverse("admin:cases_casetransfer_changelist")
    card = next(c for c in index.context["dashboard"] if c["url"].startswith(changelist))
    assert card["title"] == "待本单位决定的转入档案"
    assert f'href="{card["url"]}"' in index.content.decode().replace("&amp;", "&")

    response = client.get(card["url"])

    assert response.status_code == 200
    cl = response.context["cl"]
    assert card["count"] == cl.result_count == awaiting
