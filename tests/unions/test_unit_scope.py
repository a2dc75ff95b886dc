"""A district's staff see only their units; city roles see all; auditors change nothing."""

import pytest
from django.urls import reverse

from tests.scope_helpers import assert_looks_missing
from unions.models import UnionUnit

KUNSHAN_TREE = {"昆山市总工会", "张浦镇工会", "陆家镇工会", "巴城镇工会"}


def changelist_names(response) -> set[str]:
    return {unit.name for unit in response.context["cl"].result_list}


def test_kunshan_clerk_lists_only_kunshan_tree(kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(reverse("admin:unions_unionunit_changelist"))

    assert response.status_code == 200
    assert changelist_names(response) == KUNSHAN_TREE
    assert "吴中区总工会" not in response.content.decode()


def test_parent_list_filter_offers_only_units_in_scope(kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(reverse("admin:unions_unionunit_changelist"))

    (parent_filter,) = [
        f
        for f in response.context["cl"].filter_specs
        if f.title == "parent unit" or getattr(f, "field_path", "") == "parent"
    ]
    assert {label for _pk, label in parent_filter.lookup_choices} == KUNSHAN_TREE
    assert "木渎镇工会" not in response.content.decode()


def test_city_auditor_lists_every_unit(city_auditor, client_for, units):
    response = client_for(city_auditor).get(reverse("admin:unions_unionunit_changelist"))

    assert changelist_names(response) == set(units)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/unions/unionunit/{pk}/change/",
        "/admin/unions/unionunit/{pk}/history/",
        "/admin/unions/unionunit/{pk}/delete/",
    ],
)
def test_other_district_unit_pages_look_missing(kunshan_clerk, client_for, units, url):
    wuzhong = units["吴中区总工会"]

    assert_looks_missing(client_for(kunshan_clerk), url, wuzhong.pk)


def test_past_version_page_of_other_district_looks_missing(kunshan_clerk, client_for, units):
    wuzhong = units["吴中区总工会"]
    version = wuzhong.history.latest()
    url = f"/admin/unions/unionunit/{{pk}}/history/{version.history_id}/"

    assert_looks_missing(client_for(kunshan_clerk), url, wuzhong.pk)


def test_past_version_revert_of_other_district_changes_nothing(city_admin, client_for, units):
    wuzhong = units["吴中区总工会"]
    first = wuzhong.history.earliest()
    wuzhong.name = "吴中区总工会（新）"
    wuzhong.save()
    kunshan_admin = client_for(city_admin)
    city_admin.memberships.update(unit=units["昆山市总工会"])  # now a Kunshan-only user

    response = kunshan_admin.post(
        f"/admin/unions/unionunit/{wuzhong.pk}/history/{first.history_id}/",
        {"name": "被改写", "code": "WZ", "level": "district", "parent": "", "region_code": ""},
    )

    assert response.status_code == 302
    wuzhong.refresh_from_db()
    assert wuzhong.name == "吴中区总工会（新）"


def test_city_auditor_reads_but_cannot_change_units(city_auditor, client_for, units):
    client = client_for(city_auditor)
    kunshan = units["昆山市总工会"]
    url = reverse("admin:unions_unionunit_change", args=[kunshan.pk])

    page = client.get(url)
    post = client.post(url, {"name": "改名", "code": "KS", "level": "district"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    kunshan.refresh_from_db()
    assert kunshan.name == "昆山市总工会"


def test_city_auditor_cannot_add_units(city_auditor, client_for):
    response = client_for(city_auditor).get(reverse("admin:unions_unionunit_add"))

    assert response.status_code == 403


def test_city_admin_adds_a_town_union_under_kunshan(city_admin, client_for, units):
    response = client_for(city_admin).post(
        reverse("admin:unions_unionunit_add"),
        {
            "name": "千灯镇工会",
            "code": "KS-QD",
            "level": "town",
            "parent": units["昆山市总工会"].pk,
            "region_code": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    qiandeng = UnionUnit.objects.get(name="千灯镇工会")
    assert qiandeng.tree_path.startswith(units["昆山市总工会"].tree_path)


def test_kunshan_clerk_cannot_add_units(kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(reverse("admin:unions_unionunit_add"))

    assert response.status_code == 403


def test_moving_a_unit_moves_its_subtree_and_scope(units, kunshan_clerk):
    """金阊区 merged into a new 姑苏区: the old unit moves under it, records follow."""
    gusu = UnionUnit.objects.create(
        name="姑苏区总工会", code="GS", level="district", parent=units["苏州市总工会"]
    )
    town = UnionUnit.objects.create(
        name="白莲桥街道工会", code="JC-BL", level="town", parent=units["金阊区总工会"]
    )
    jinchang = units["金阊区总工会"]

    jinchang.parent = gusu
    jinchang.save()

    town.refresh_from_db()
    assert town.tree_path.startswith(gusu.tree_path)
    assert set(gusu.ancestors()) == {units["苏州市总工会"], gusu}
    assert list(UnionUnit.objects.subtree_of(UnionUnit.objects.filter(pk=gusu.pk))) == [
        gusu,
        jinchang,
        town,
    ]
    assert jinchang.history.count() >= 2
