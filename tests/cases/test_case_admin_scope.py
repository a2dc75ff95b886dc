"""The register's admin doors: a Kunshan clerk never reaches a Wuzhong record; the city
auditor reads every district and changes nothing."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from cases import services
from cases.models import Case, CaseStatus, Referral
from tests.cases.factories import ActivityFactory, CampaignFactory, CaseFactory
from tests.scope_helpers import assert_looks_missing

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
AUTOCOMPLETE = "/admin/autocomplete/"


@pytest.fixture
def wuzhong_referral(units, wuzhong_pending_case):
    from unions.models import User

    head = User.objects.get(username="wuzhong_head")
    case = services.case_verify(case=wuzhong_pending_case, acting_user=head)
    return services.referral_submit(case=case, reason="重病", acting_user=head)


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
    )
    return type(user).objects.get(pk=user.pk)  # fresh: no stale permission cache


def add_form_data(unit, **fields):
    return {
        "name": "新登记",
        "id_number": CaseFactory.build().id_number,
        "unit": unit.pk,
        "category": "hardship_worker",
        "household_size": "3",
        "registered_on": "2007-01-15",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "rigid_expenses-TOTAL_FORMS": "0",
        "rigid_expenses-INITIAL_FORMS": "0",
        **fields,
    }


# --- a district clerk ---------------------------------------------------------------------


def test_list_shows_only_cases_of_the_clerks_district(
    kunshan_clerk, client_for, kunshan_pending_case, wuzhong_pending_case
):
    response = client_for(kunshan_clerk).get(CASES)

    assert [case.pk for case in response.context["cl"].result_list] == [kunshan_pending_case.pk]
    html = response.content.decode()
    assert "昆山困难户" in html
    assert "吴中困难户" not in html


def test_list_filters_name_no_unit_of_another_district(
    kunshan_clerk, client_for, wuzhong_pending_case
):
    html = client_for(kunshan_clerk).get(CASES).content.decode()

    assert "张浦镇工会" in html  # the unit filter lists the clerk's own units
    assert "木渎镇工会" not in html
    assert "吴中区总工会" not in html


@pytest.mark.parametrize("page", ["{pk}/change/", "{pk}/history/"])
def test_pages_of_another_districts_case_look_missing(
    kunshan_clerk, client_for, wuzhong_pending_case, page
):
    assert_looks_missing(client_for(kunshan_clerk), CASES + page, wuzhong_pending_case.pk)


def test_past_version_page_of_another_districts_case_looks_missing(
    kunshan_clerk, client_for, wuzhong_pending_case
):
    version = wuzhong_pending_case.history.first().history_id
    client = client_for(kunshan_clerk)

    response = assert_looks_missing(
        client, CASES + f"{{pk}}/history/{version}/", wuzhong_pending_case.pk
    )

    assert "吴中困难户" not in response.content.decode()


def test_delete_page_of_another_districts_case_looks_missing(
    kunshan_clerk, client_for, wuzhong_pending_case
):
    clerk = grant(kunshan_clerk, "delete_case")
    client = client_for(clerk)

    assert_looks_missing(client, CASES + "{pk}/delete/", wuzhong_pending_case.pk)
    assert_looks_missing(
        client, CASES + "{pk}/delete/", wuzhong_pending_case.pk, "post", {"post": "yes"}
    )
    assert Case.objects.filter(pk=wuzhong_pending_case.pk).exists()


def test_posting_a_change_to_another_districts_case_looks_missing(
    kunshan_clerk, client_for, wuzhong_pending_case
):
    assert_looks_missing(
        client_for(kunshan_clerk),
        CASES + "{pk}/change/",
        wuzhong_pending_case.pk,
        "post",
        {"name": "x"},
    )
    wuzhong_pending_case.refresh_from_db()
    assert wuzhong_pending_case.name == "吴中困难户"


def test_autocomplete_offers_only_the_clerks_cases(
    kunshan_clerk, client_for, kunshan_pending_case, wuzhong_pending_case
):
    client = client_for(kunshan_clerk)
    query = {"app_label": "cases", "model_name": "activity", "field_name": "cases"}

    by_name = client.get(AUTOCOMPLETE, {**query, "term": "困难户"}).json()["results"]
    by_id = client.get(AUTOCOMPLETE, {**query, "term": wuzhong_pending_case.id_number}).json()[
        "results"
    ]

    assert [row["id"] for row in by_name] == [str(kunshan_pending_case.pk)]
    assert by_id == []


def test_action_with_a_forged_id_of_another_district_changes_nothing(
    kunshan_head, client_for, wuzhong_pending_case
):
    client = client_for(kunshan_head)

    client.post(CASES, {"action": "verify_cases", "_selected_action": [wuzhong_pending_case.pk]})
    client.post(
        CASES,
        {
            "action": "exit_cases",
            "_selected_action": [wuzhong_pending_case.pk],
            "apply": "1",
            "exited_on": "2007-02-01",
            "reason": "再就业",
        },
    )

    wuzhong_pending_case.refresh_from_db()
    assert wuzhong_pending_case.status == CaseStatus.PENDING


def test_add_page_offers_only_the_clerks_units(kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(CASES + "add/")

    units = response.context["adminform"].form.fields["unit"].queryset
    assert {unit.name for unit in units} == {
        "昆山市总工会",
        "张浦镇工会",
        "陆家镇工会",
        "巴城镇工会",
    }


def test_registering_a_case_in_another_districts_unit_is_refused(kunshan_clerk, client_for, units):
    response = client_for(kunshan_clerk).post(CASES + "add/", add_form_data(units["木渎镇工会"]))

    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not Case.objects.filter(name="新登记").exists()


def test_clerk_registers_a_case_as_pending(kunshan_clerk, client_for, units):
    response = client_for(kunshan_clerk).post(CASES + "add/", add_form_data(units["张浦镇工会"]))

    assert response.status_code == 302
    case = Case.objects.get(name="新登记")
    assert case.status == CaseStatus.PENDING
    assert case.unit == units["张浦镇工会"]
    assert case.history.first().history_user == kunshan_clerk


def test_registering_a_person_on_file_elsewhere_names_the_holding_unit(
    kunshan_clerk, client_for, units, wuzhong_pending_case
):
    response = client_for(kunshan_clerk).post(
        CASES + "add/",
        add_form_data(units["张浦镇工会"], id_number=wuzhong_pending_case.id_number),
    )

    errors = response.context["adminform"].form.errors
    assert list(errors) == ["id_number"]
    assert "木渎镇工会" in errors["id_number"][0]
    assert "木渎镇工会" in response.content.decode()
    assert Case.objects.filter(id_number=wuzhong_pending_case.id_number).count() == 1


def test_referral_of_another_district_looks_missing(kunshan_clerk, client_for, wuzhong_referral):
    client = client_for(kunshan_clerk)

    listed = client.get("/admin/cases/referral/?status=all").context["cl"].result_list

    assert list(listed) == []
    assert_looks_missing(client, "/admin/cases/referral/{pk}/change/", wuzhong_referral.pk)


def test_activity_of_another_district_looks_missing(kunshan_clerk, client_for, units):
    activity = ActivityFactory(
        unit=units["木渎镇工会"], campaign=CampaignFactory(organiser=units["吴中区总工会"])
    )
    client = client_for(kunshan_clerk)

    assert list(client.get("/admin/cases/activity/").context["cl"].result_list) == []
    assert_looks_missing(client, "/admin/cases/activity/{pk}/change/", activity.pk)


def test_activity_cannot_list_another_districts_household(
    kunshan_clerk, client_for, units, kunshan_pending_case, wuzhong_pending_case
):
    activity = ActivityFactory(
        unit=units["张浦镇工会"], campaign=CampaignFactory(organiser=units["昆山市总工会"])
    )
    client = client_for(kunshan_clerk)
    page = client.get(f"/admin/cases/activity/{activity.pk}/change/")
    data = {
        name: page.context["adminform"].form[name].value()
        for name in page.context["adminform"].form.fields
    }

    response = client.post(
        f"/admin/cases/activity/{activity.pk}/change/",
        {**{k: v for k, v in data.items() if v is not None}, "cases": [wuzhong_pending_case.pk]},
    )

    assert "cases" in response.context["adminform"].form.errors
    assert list(activity.cases.all()) == []


def test_campaign_of_another_district_looks_missing(kunshan_clerk, client_for, units):
    campaign = CampaignFactory(organiser=units["吴中区总工会"])

    assert_looks_missing(
        client_for(kunshan_clerk), "/admin/cases/campaign/{pk}/change/", campaign.pk
    )


def test_city_campaign_is_read_only_for_a_district_clerk(kunshan_clerk, client_for, units):
    campaign = CampaignFactory(organiser=units["苏州市总工会"], name="全市送温暖")
    own = CampaignFactory(organiser=units["昆山市总工会"], name="昆山送温暖")
    client = client_for(kunshan_clerk)

    listed = {c.name for c in client.get("/admin/cases/campaign/").context["cl"].result_list}
    city_page = client.get(f"/admin/cases/campaign/{campaign.pk}/change/")
    own_page = client.get(f"/admin/cases/campaign/{own.pk}/change/")
    refused = client.post(f"/admin/cases/campaign/{campaign.pk}/change/", {"name": "改名"})

    assert listed == {"全市送温暖", "昆山送温暖"}
    assert city_page.context["has_change_permission"] is False
    assert own_page.context["has_change_permission"] is True
    assert refused.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "全市送温暖"


# --- the city auditor ---------------------------------------------------------------------


def test_city_auditor_reads_every_district(
    city_auditor, client_for, kunshan_pending_case, wuzhong_pending_case
):
    client = client_for(city_auditor)

    listed = {case.pk for case in client.get(CASES).context["cl"].result_list}
    pages = [
        client.get(f"{CASES}{case.pk}/change/")
        for case in (kunshan_pending_case, wuzhong_pending_case)
    ]

    assert listed == {kunshan_pending_case.pk, wuzhong_pending_case.pk}
    assert [page.status_code for page in pages] == [200, 200]


def test_city_auditor_is_offered_only_export_and_no_save(
    city_auditor, client_for, kunshan_pending_case
):
    """Reading is all an auditor does: the one action is exporting the ticked rows."""
    client = client_for(city_auditor)

    listing = client.get(CASES)
    page = client.get(f"{CASES}{kunshan_pending_case.pk}/change/")

    offered = [value for value, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_selected"]
    assert page.context["action_form"] is None
    assert 'name="_save"' not in page.content.decode()
    assert page.context["has_change_permission"] is False


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("{pk}/change/", {"name": "改名"}),
        ("add/", {"name": "改名"}),
        ("{pk}/history/{version}/", {"name": "改名"}),
    ],
)
def test_city_auditor_cannot_change_anything(
    city_auditor, client_for, kunshan_pending_case, url, data
):
    version = kunshan_pending_case.history.first().history_id

    response = client_for(city_auditor).post(
        CASES + url.format(pk=kunshan_pending_case.pk, version=version), data
    )

    assert response.status_code == 403
    kunshan_pending_case.refresh_from_db()
    assert kunshan_pending_case.name == "昆山困难户"


def test_city_auditor_cannot_run_a_forged_action(city_auditor, client_for, kunshan_pending_case):
    client_for(city_auditor).post(
        CASES, {"action": "verify_cases", "_selected_action": [kunshan_pending_case.pk]}
    )

    kunshan_pending_case.refresh_from_db()
    assert kunshan_pending_case.status == CaseStatus.PENDING


def test_referrals_cannot_be_added_through_the_admin(city_admin, kunshan_head, client_for):
    assert client_for(city_admin).get("/admin/cases/referral/add/").status_code == 403
    assert client_for(kunshan_head).get("/admin/cases/referral/add/").status_code == 403
    assert not Referral.objects.exists()


def test_a_past_version_cannot_be_reverted(kunshan_head, client_for, kunshan_pending_case):
    """Reverting would restore an old status past the services: the page is read-only."""
    services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head)
    services.case_exit(
        case=kunshan_pending_case,
        exited_on=datetime.date(2007, 2, 1),
        reason="再就业",
        acting_user=kunshan_head,
    )
    pending_version = kunshan_pending_case.history.order_by("history_date").first().history_id
    url = f"{CASES}{kunshan_pending_case.pk}/history/{pending_version}/"
    client = client_for(kunshan_head)

    page = client.get(url)
    refused = client.post(url, {"name": "昆山困难户"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert refused.status_code == 403
    kunshan_pending_case.refresh_from_db()
    assert kunshan_pending_case.status == CaseStatus.EXITED
