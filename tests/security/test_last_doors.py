"""The last doors of issue 13 part 7 that the site itself (not an app) answers."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import reverse

from cases.models import Case
from tests.cases.factories import CaseFactory


@pytest.mark.parametrize("debug", [False, True])
def test_view_on_site_answers_alike_for_out_of_scope_and_missing(
    units, client_for, kunshan_clerk, debug
):
    wuzhong_case = CaseFactory(unit=units["吴中区总工会"])
    content_type = ContentType.objects.get_for_model(Case)
    client = client_for(kunshan_clerk)

    existing_url = f"/admin/r/{content_type.pk}/{wuzhong_case.pk}/"
    missing_url = f"/admin/r/{content_type.pk}/999999/"

    with override_settings(DEBUG=debug):
        out_of_scope = client.get(existing_url)
        missing = client.get(missing_url)

    # The pages may repeat the URL asked for (DEBUG's 404 does); nothing else may differ.
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content.decode().replace(existing_url[1:], "URL") == (
        missing.content.decode().replace(missing_url[1:], "URL")
    )


def test_an_unsafe_next_lands_a_logged_in_user_on_the_admin_index(units):
    client = Client()

    response = client.post(
        reverse("admin:login") + "?next=https://evil.example.com/",
        {"username": "kunshan_clerk", "password": "pw-for-tests"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
