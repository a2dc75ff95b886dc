"""`loaddemo` builds the bulletin's unit tree and demo users, and a second run changes nothing."""

from io import StringIO

from django.core.management import call_command

from unions.models import Membership, UnionUnit, User


def snapshot():
    return (
        sorted(UnionUnit.objects.values_list("name", "parent__name", "tree_path")),
        sorted(User.objects.values_list("username", "password", "is_staff")),
        sorted(Membership.objects.values_list("user__username", "unit__name", "role")),
        UnionUnit.history.count(),
        User.history.count(),
    )


def test_loaddemo_creates_the_bulletin_tree_and_is_idempotent(db):
    call_command("loaddemo", "--password", "pw", stdout=StringIO())
    first = snapshot()

    out = StringIO()
    call_command("loaddemo", "--password", "other", stdout=out)

    assert snapshot() == first
    tree = {name: parent for name, parent, _path in first[0]}
    assert tree["张浦镇工会"] == tree["陆家镇工会"] == tree["巴城镇工会"] == "昆山市总工会"
    assert tree["郭巷街道工会"] == "吴中区总工会"
    assert tree["苏州工投公司工会"] == tree["金阊区总工会"] == "苏州市总工会"
    assert tree["苏州市总工会"] is None
    assert "kunshan_clerk" in out.getvalue()


def test_demo_users_get_their_role_groups(db):
    call_command("loaddemo", stdout=StringIO())

    groups = {u.username: {g.name for g in u.groups.all()} for u in User.objects.all()}

    assert groups["kunshan_clerk"] == {"经办人"}
    assert groups["kunshan_head"] == {"负责人"}
    assert groups["city_auditor"] == {"市总审计"}
    assert groups["city_admin"] == {"市总管理员"}
    assert User.objects.get(username="city_auditor").is_staff


def test_auditor_group_holds_only_view_permissions(db):
    call_command("loaddemo", stdout=StringIO())
    auditor = User.objects.get(username="city_auditor")

    codenames = {p.split(".")[1] for p in auditor.get_all_permissions()}

    assert codenames
    assert all(c.startswith("view_") or c.startswith("run_") for c in codenames)
