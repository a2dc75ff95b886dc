"""Every admin door Django leaves open to other districts, closed by ScopedAdmin."""

import pytest
from django.contrib.auth.models import Permission
from django.core import checks
from django.urls import reverse

from tests.unions.factories import MembershipFactory, UserFactory
from unions.models import Membership, Role

pytestmark = pytest.mark.urls("tests.unions.scope_urls")

BASE = "/scopetest/unions/membership/"


@pytest.fixture
def kunshan_editor(kunshan_clerk):
    """A Kunshan clerk allowed to manage memberships (the permission, not the scope)."""
    kunshan_clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="unions",
            codename__in=["view_membership", "change_membership", "delete_membership"],
        )
    )
    return kunshan_clerk


@pytest.fixture
def kunshan_member(units):
    return MembershipFactory(unit=units["张浦镇工会"], role=Role.CLERK)


@pytest.fixture
def wuzhong_member(units):
    return MembershipFactory(unit=units["木渎镇工会"], role=Role.CLERK)


def test_foreign_key_choices_list_only_units_in_scope(kunshan_editor, client_for, kunshan_member):
    response = client_for(kunshan_editor).get(f"{BASE}{kunshan_member.pk}/change/")

    unit_field = response.context["adminform"].form.fields["unit"]
    assert {u.name for u in unit_field.queryset} == {
        "昆山市总工会",
        "张浦镇工会",
        "陆家镇工会",
        "巴城镇工会",
    }


def test_posting_another_districts_unit_is_refused(
    kunshan_editor, client_for, kunshan_member, units
):
    response = client_for(kunshan_editor).post(
        f"{BASE}{kunshan_member.pk}/change/",
        {"user": kunshan_member.user_id, "unit": units["吴中区总工会"].pk, "role": Role.CLERK},
    )

    assert response.status_code == 200  # the form comes back with an error
    assert "unit" in response.context["adminform"].form.errors
    kunshan_member.refresh_from_db()
    assert kunshan_member.unit == units["张浦镇工会"]


def test_raw_id_label_does_not_name_an_out_of_scope_record(
    kunshan_editor, client_for, kunshan_member, wuzhong_member
):
    wuzhong_member.user.last_name, wuzhong_member.user.first_name = "吴中", "秘密"
    wuzhong_member.user.save()

    response = client_for(kunshan_editor).post(
        f"{BASE}{kunshan_member.pk}/change/",
        {"user": wuzhong_member.user_id, "unit": kunshan_member.unit_id, "role": Role.CLERK},
    )

    assert "user" in response.context["adminform"].form.errors
    assert "吴中秘密" not in response.content.decode()


def test_autocomplete_offers_only_units_in_scope(kunshan_editor, client_for):
    response = client_for(kunshan_editor).get(
        "/scopetest/autocomplete/",
        {"app_label": "unions", "model_name": "membership", "field_name": "unit", "term": "工会"},
    )

    names = {row["text"] for row in response.json()["results"]}
    assert names == {"昆山市总工会", "张浦镇工会", "陆家镇工会", "巴城镇工会"}


def test_list_editable_cannot_move_a_row_into_another_district(
    kunshan_editor, client_for, kunshan_member, units
):
    response = client_for(kunshan_editor).post(
        BASE,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": kunshan_member.pk,
            "form-0-unit": units["吴中区总工会"].pk,
            "_save": "保存",
        },
    )

    assert response.status_code == 200
    kunshan_member.refresh_from_db()
    assert kunshan_member.unit == units["张浦镇工会"]


def test_list_editable_cannot_touch_a_forged_out_of_scope_row(
    kunshan_editor, client_for, wuzhong_member, units
):
    client_for(kunshan_editor).post(
        BASE,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": wuzhong_member.pk,
            "form-0-unit": units["昆山市总工会"].pk,
            "_save": "保存",
        },
    )

    wuzhong_member.refresh_from_db()
    assert wuzhong_member.unit == units["木渎镇工会"]


def test_action_with_forged_out_of_scope_id_does_nothing(
    kunshan_editor, client_for, wuzhong_member
):
    client_for(kunshan_editor).post(
        BASE,
        {"action": "delete_selected", "_selected_action": [wuzhong_member.pk], "post": "yes"},
    )

    assert Membership.objects.filter(pk=wuzhong_member.pk).exists()


def test_list_filter_names_no_other_district(kunshan_editor, client_for, wuzhong_member):
    response = client_for(kunshan_editor).get(BASE)

    html = response.content.decode()
    assert "木渎镇工会" not in html and "吴中区总工会" not in html


def test_lookup_on_a_sensitive_field_is_refused(kunshan_editor, client_for, kunshan_member):
    response = client_for(kunshan_editor).get(BASE, {"role__startswith": "c"})

    assert response.status_code == 400


def test_delete_confirmation_hides_and_protects_cascaded_out_of_scope_rows(
    kunshan_clerk, client_for, units
):
    """A user in both Kunshan and Wuzhong: deleting them would cascade into Wuzhong."""
    kunshan_clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["delete_user", "view_user"])
    )
    both = UserFactory()
    MembershipFactory(user=both, unit=units["昆山市总工会"])
    MembershipFactory(user=both, unit=units["吴中区总工会"])
    url = reverse("scopetest:unions_user_delete", args=[both.pk])
    client = client_for(kunshan_clerk)

    page = client.get(url)
    client.post(url, {"post": "yes"})

    html = page.content.decode()
    assert "吴中区总工会" not in html
    assert "a record of another unit" in html or "其他单位的记录" in html
    assert Membership.objects.filter(user=both).count() == 2


def test_system_check_flags_a_scoped_model_with_a_plain_admin(monkeypatch):
    from django.contrib import admin

    from reliefsite.checks import check_scoped_admins
    from unions.models import UnionUnit

    plain = admin.ModelAdmin(UnionUnit, admin.site)
    monkeypatch.setitem(admin.site._registry, UnionUnit, plain)

    errors = check_scoped_admins(None)

    assert [e.id for e in errors] == ["reliefsite.E001"]
    assert isinstance(errors[0], checks.Error)


def test_project_admins_pass_the_scope_check():
    from reliefsite.checks import check_scoped_admins

    assert check_scoped_admins(None) == []
