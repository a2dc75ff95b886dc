"""Campaigns (活动) and their activities (走访慰问): who sees them, who edits them, dates."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Activity, Campaign
from tests.cases.factories import ActivityFactory, CampaignFactory
from unions.models import Membership, Role, User

pytestmark = pytest.mark.django_db

STARTS = datetime.date(2007, 1, 1)
ENDS = datetime.date(2007, 2, 28)


def campaign_of(units, unit_name: str) -> Campaign:
    return CampaignFactory(organiser=units[unit_name], starts_on=STARTS, ends_on=ENDS)


def town_clerk(units, unit_name: str) -> User:
    user = User.objects.create_user(f"clerk_of_{units[unit_name].code}")
    Membership.objects.create(user=user, unit=units[unit_name], role=Role.CLERK)
    return user


# --- who sees a campaign -----------------------------------------------------------------


def test_city_campaign_is_seen_by_every_district(units, kunshan_clerk, wuzhong_clerk):
    city = campaign_of(units, "苏州市总工会")

    assert city in Campaign.objects.for_user(kunshan_clerk)
    assert city in Campaign.objects.for_user(wuzhong_clerk)


def test_district_campaign_is_seen_by_that_district_only(units, kunshan_clerk, wuzhong_clerk):
    kunshan = campaign_of(units, "昆山市总工会")

    assert kunshan in Campaign.objects.for_user(kunshan_clerk)
    assert kunshan not in Campaign.objects.for_user(wuzhong_clerk)


def test_town_clerk_sees_campaigns_above_but_not_a_sibling_towns(units):
    clerk = town_clerk(units, "张浦镇工会")
    city = campaign_of(units, "苏州市总工会")
    kunshan = campaign_of(units, "昆山市总工会")
    own = campaign_of(units, "张浦镇工会")
    sibling = campaign_of(units, "陆家镇工会")

    visible = set(Campaign.objects.for_user(clerk))

    assert visible == {city, kunshan, own}
    assert sibling not in visible


def test_city_auditor_sees_every_campaign(units, city_auditor):
    campaigns = {
        campaign_of(units, name) for name in ["苏州市总工会", "昆山市总工会", "木渎镇工会"]
    }

    assert set(Campaign.objects.for_user(city_auditor)) == campaigns


@pytest.mark.parametrize(
    "make_user",
    [lambda: None, AnonymousUser, lambda: User.objects.create_user("no_membership")],
    ids=["none", "anonymous", "no-membership"],
)
def test_users_without_scope_see_no_campaign(units, make_user):
    campaign_of(units, "苏州市总工会")
    campaign_of(units, "昆山市总工会")

    assert not Campaign.objects.for_user(make_user()).exists()


# --- who edits a campaign ----------------------------------------------------------------


def test_district_clerk_may_not_edit_the_city_campaign(units, kunshan_clerk):
    city = campaign_of(units, "苏州市总工会")
    kunshan = campaign_of(units, "昆山市总工会")
    zhangpu = campaign_of(units, "张浦镇工会")

    editable = set(Campaign.objects.editable_by(kunshan_clerk))

    assert city not in editable
    assert editable == {kunshan, zhangpu}


def test_city_admin_may_edit_the_city_campaign(units, city_admin):
    city = campaign_of(units, "苏州市总工会")

    assert city in Campaign.objects.editable_by(city_admin)


# --- activities --------------------------------------------------------------------------


def test_activities_are_scoped_by_their_unit(units, kunshan_clerk, wuzhong_clerk):
    city = campaign_of(units, "苏州市总工会")
    zhangpu_route = ActivityFactory(campaign=city, unit=units["张浦镇工会"])
    mudu_route = ActivityFactory(campaign=city, unit=units["木渎镇工会"])

    kunshan_sees = set(Activity.objects.for_user(kunshan_clerk))
    wuzhong_sees = set(Activity.objects.for_user(wuzhong_clerk))

    assert kunshan_sees == {zhangpu_route}
    assert wuzhong_sees == {mudu_route}


@pytest.mark.parametrize(
    "held_on",
    [datetime.date(2006, 12, 31), datetime.date(2007, 3, 1)],
    ids=["before", "after"],
)
def test_activity_outside_the_campaign_period_is_refused(units, held_on):
    campaign = campaign_of(units, "昆山市总工会")
    activity = ActivityFactory.build(campaign=campaign, unit=units["张浦镇工会"], held_on=held_on)

    with pytest.raises(ValidationError) as excinfo:
        activity.clean()

    assert list(excinfo.value.message_dict) == ["held_on"]
    assert excinfo.value.message_dict["held_on"] == ["日期不在帮扶活动期间之内。"]


@pytest.mark.parametrize("held_on", [STARTS, datetime.date(2007, 2, 1), ENDS])
def test_activity_within_the_campaign_period_is_accepted(units, held_on):
    campaign = campaign_of(units, "昆山市总工会")
    activity = ActivityFactory.build(campaign=campaign, unit=units["张浦镇工会"], held_on=held_on)

    activity.full_clean()  # no error


# --- campaign period ---------------------------------------------------------------------


def test_campaign_cannot_end_before_it_starts(units):
    campaign = CampaignFactory.build(
        organiser=units["昆山市总工会"],
        starts_on=datetime.date(2007, 2, 1),
        ends_on=datetime.date(2007, 1, 31),
    )

    with pytest.raises(ValidationError) as excinfo:
        campaign.clean()

    assert list(excinfo.value.message_dict) == ["ends_on"]
    assert excinfo.value.message_dict["ends_on"] == ["帮扶活动结束日期不能早于开始日期。"]


def test_one_day_campaign_is_accepted(units):
    campaign = CampaignFactory.build(
        organiser=units["昆山市总工会"],
        starts_on=datetime.date(2007, 2, 1),
        ends_on=datetime.date(2007, 2, 1),
    )

    campaign.full_clean()  # no error


def test_database_refuses_a_campaign_ending_before_it_starts(units):
    campaign = campaign_of(units, "昆山市总工会")

    with pytest.raises(IntegrityError, match="campaign_period_ordered"), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(ends_on=datetime.date(2006, 12, 1))
