"""Demo union-unit tree and users of the 2007 Spring Festival bulletin (idempotent)."""

from __future__ import annotations

from unions.models import Membership, Role, UnionUnit, UnitLevel, User

# (name, code, level, region code, parent name)
DEMO_UNITS = [
    ("苏州市总工会", "SZ", UnitLevel.CITY, "320500", None),
    ("昆山市总工会", "KS", UnitLevel.DISTRICT, "320583", "苏州市总工会"),
    ("张浦镇工会", "KS-ZP", UnitLevel.TOWN, "", "昆山市总工会"),
    ("陆家镇工会", "KS-LJ", UnitLevel.TOWN, "", "昆山市总工会"),
    ("巴城镇工会", "KS-BC", UnitLevel.TOWN, "", "昆山市总工会"),
    ("吴中区总工会", "WZ", UnitLevel.DISTRICT, "320506", "苏州市总工会"),
    ("木渎镇工会", "WZ-MD", UnitLevel.TOWN, "", "吴中区总工会"),
    ("胥口镇工会", "WZ-XK", UnitLevel.TOWN, "", "吴中区总工会"),
    ("甪直镇工会", "WZ-LZ", UnitLevel.TOWN, "", "吴中区总工会"),
    ("郭巷街道工会", "WZ-GX", UnitLevel.TOWN, "", "吴中区总工会"),
    ("金阊区总工会", "JC", UnitLevel.DISTRICT, "320504", "苏州市总工会"),
    ("苏州工投公司工会", "GT", UnitLevel.SYSTEM, "", "苏州市总工会"),
]

# (username, last name, first name, role, unit name)
DEMO_USERS = [
    ("city_admin", "市总", "管理员", Role.ADMINISTRATOR, "苏州市总工会"),
    ("city_auditor", "市总", "审计", Role.AUDITOR, "苏州市总工会"),
    ("kunshan_clerk", "顾", "粮", Role.CLERK, "昆山市总工会"),
    ("kunshan_head", "王", "近", Role.APPROVER, "昆山市总工会"),
    ("wuzhong_clerk", "吴中", "经办", Role.CLERK, "吴中区总工会"),
    ("wuzhong_head", "吴中", "主席", Role.APPROVER, "吴中区总工会"),
    ("jinchang_clerk", "金阊", "经办", Role.CLERK, "金阊区总工会"),
    ("jinchang_head", "金阊", "主席", Role.APPROVER, "金阊区总工会"),
    ("gongtou_clerk", "工投", "经办", Role.CLERK, "苏州工投公司工会"),
    ("gongtou_head", "工投", "主席", Role.APPROVER, "苏州工投公司工会"),
]


def load(*, password: str, log) -> None:
    units: dict[str, UnionUnit] = {}
    for name, code, level, region, parent in DEMO_UNITS:
        unit, created = UnionUnit.objects.get_or_create(
            name=name,
            defaults={
                "code": code,
                "level": level,
                "region_code": region,
                "parent": units.get(parent),
            },
        )
        units[name] = unit
        if created:
            log(f"单位 {name}")
    for username, last, first, role, unit_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"last_name": last, "first_name": first}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            log(f"用户 {username}")
        Membership.objects.get_or_create(user=user, unit=units[unit_name], role=role)
