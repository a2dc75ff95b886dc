"""Demo register and the 2007 Spring Festival campaign as the seed bulletin tells it.

Idempotent: everything hangs off the campaign; when it exists, nothing is added.
The people are invented (deterministic names and valid ID numbers); the counts,
dates, places and routes are the bulletin's.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from importlib import import_module

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.idnumbers import birth_date_from_id, gender_from_id, random_id_number
from cases.models import (
    Activity,
    ActivityKind,
    Campaign,
    Case,
    CaseStatus,
    CaseTransfer,
    Category,
    Cause,
    FilingRequirement,
    HouseholdMember,
    PublicNotice,
    Referral,
    Relation,
    SubsistenceLine,
    SuddenEvent,
)
from unions.models import UnionUnit, User

CAMPAIGN_NAME = "2007年春节送温暖"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = [
    "建国",
    "秀英",
    "桂英",
    "志强",
    "海燕",
    "玉兰",
    "红梅",
    "国平",
    "卫东",
    "春华",
    "金根",
    "阿大",
    "小妹",
    "德明",
    "美芳",
    "永林",
    "雪琴",
    "根宝",
    "素珍",
    "伟民",
    "惠芬",
    "荣生",
    "凤英",
    "杏娣",
    "福林",
    "丽萍",
    "兴华",
    "梅芳",
    "文彬",
    "金娣",
]  # noqa: E501

REGION = {"KS": "320583", "WZ": "320506", "JC": "320504", "GT": "320502"}

# (district code, unit name, category, count, status, causes, tag)
GROUPS = [
    # 昆山: symposium of ~30 representatives (困难劳模, 困难工会干部, 困难职工代表)
    ("KS", "昆山市总工会", Category.MODEL_WORKER, 10, CaseStatus.VERIFIED, ["illness"], "ks-sym"),
    (
        "KS",
        "昆山市总工会",
        Category.UNION_CADRE,
        10,
        CaseStatus.VERIFIED,
        ["employer_hardship"],
        "ks-sym",
    ),  # noqa: E501
    (
        "KS",
        "昆山市总工会",
        Category.HARDSHIP_WORKER,
        10,
        CaseStatus.VERIFIED,
        ["illness", "single_parent"],
        "ks-sym",
    ),  # noqa: E501
    # 1月25日: 困难劳模和困难退休职工代表 visited by three levels of leaders
    ("KS", "昆山市总工会", Category.RETIREE, 4, CaseStatus.VERIFIED, ["illness"], "ks-jan25"),
    # 2月1日: 4 enterprise union chairs in 张浦, 陆家, 巴城 (illness or rights defence)
    (
        "KS",
        "张浦镇工会",
        Category.UNION_CADRE,
        2,
        CaseStatus.VERIFIED,
        ["rights_defence"],
        "ks-chairs",
    ),  # noqa: E501
    ("KS", "陆家镇工会", Category.UNION_CADRE, 1, CaseStatus.VERIFIED, ["illness"], "ks-chairs"),
    (
        "KS",
        "巴城镇工会",
        Category.UNION_CADRE,
        1,
        CaseStatus.VERIFIED,
        ["rights_defence"],
        "ks-chairs",
    ),  # noqa: E501
    # 兵分7路: 14 households
    (
        "KS",
        "昆山市总工会",
        Category.HARDSHIP_WORKER,
        14,
        CaseStatus.VERIFIED,
        ["illness", "unemployment"],
        "ks-routes",
    ),  # noqa: E501
    # the 6 pupils' families (students are household members)
    (
        "KS",
        "昆山市总工会",
        Category.HARDSHIP_WORKER,
        6,
        CaseStatus.VERIFIED,
        ["schooling"],
        "ks-students",
    ),  # noqa: E501
    # new registrations still waiting for an approver
    ("KS", "张浦镇工会", Category.MIGRANT, 3, CaseStatus.PENDING, ["unemployment"], "ks-pending"),
    # 吴中: 1月24日 five lines, 30 households of several kinds
    (
        "WZ",
        "木渎镇工会",
        Category.HARDSHIP_WORKER,
        8,
        CaseStatus.VERIFIED,
        ["illness"],
        "wz-jan24",
    ),
    ("WZ", "胥口镇工会", Category.MODEL_WORKER, 6, CaseStatus.VERIFIED, ["illness"], "wz-jan24"),
    ("WZ", "甪直镇工会", Category.VETERAN, 6, CaseStatus.VERIFIED, ["illness"], "wz-jan24"),
    (
        "WZ",
        "郭巷街道工会",
        Category.DISABLED_VETERAN,
        5,
        CaseStatus.VERIFIED,
        ["disability"],
        "wz-jan24",
    ),  # noqa: E501
    (
        "WZ",
        "木渎镇工会",
        Category.SUBSISTENCE,
        5,
        CaseStatus.VERIFIED,
        ["unemployment"],
        "wz-jan24",
    ),
    # 1月6日: 74 retiree households with the 老年基金会 (甪直, 郭巷, 木渎, 东山)
    ("WZ", "甪直镇工会", Category.RETIREE, 25, CaseStatus.VERIFIED, ["illness"], "wz-jan06"),
    ("WZ", "郭巷街道工会", Category.RETIREE, 25, CaseStatus.VERIFIED, ["illness"], "wz-jan06"),
    ("WZ", "木渎镇工会", Category.RETIREE, 24, CaseStatus.VERIFIED, ["illness"], "wz-jan06"),
    # 2月1日: four routes, 219 hardship workers and migrant workers
    (
        "WZ",
        "吴中区总工会",
        Category.HARDSHIP_WORKER,
        169,
        CaseStatus.VERIFIED,
        ["employer_hardship"],
        "wz-feb01",
    ),  # noqa: E501
    ("WZ", "胥口镇工会", Category.MIGRANT, 50, CaseStatus.VERIFIED, ["unemployment"], "wz-feb01"),
    # 金阊: 76 on the register at the end of 2006, 14 of them on city long-term aid
    (
        "JC",
        "金阊区总工会",
        Category.EXTREME_HARDSHIP,
        14,
        CaseStatus.LONG_TERM,
        ["illness"],
        "jc-longterm",
    ),  # noqa: E501
    (
        "JC",
        "金阊区总工会",
        Category.HARDSHIP_WORKER,
        62,
        CaseStatus.VERIFIED,
        ["unemployment"],
        "jc-register",
    ),  # noqa: E501
    # and new registrations found by the survey, 33 to reach the 95 subsidised
    (
        "JC",
        "金阊区总工会",
        Category.HARDSHIP_WORKER,
        19,
        CaseStatus.VERIFIED,
        ["illness"],
        "jc-new",
    ),
    (
        "JC",
        "金阊区总工会",
        Category.MODEL_WORKER,
        9,
        CaseStatus.VERIFIED,
        ["illness"],
        "jc-new-model",
    ),  # noqa: E501
    (
        "JC",
        "金阊区总工会",
        Category.UNION_CADRE,
        8,
        CaseStatus.VERIFIED,
        ["rights_defence"],
        "jc-new-cadre",
    ),  # noqa: E501
    (
        "JC",
        "金阊区总工会",
        Category.HARDSHIP_WORKER,
        5,
        CaseStatus.PENDING,
        ["illness"],
        "jc-pending",
    ),  # noqa: E501
    # 工投: 592 extreme-hardship workers and retirees
    (
        "GT",
        "苏州工投公司工会",
        Category.EXTREME_HARDSHIP,
        392,
        CaseStatus.VERIFIED,
        ["employer_hardship"],
        "gt",
    ),  # noqa: E501
    ("GT", "苏州工投公司工会", Category.RETIREE, 200, CaseStatus.VERIFIED, ["illness"], "gt"),
]

# (tag(s) reached, kind, title, date, unit, leaders, route, places)
ACTIVITIES = [
    (
        ["ks-sym"],
        ActivityKind.SYMPOSIUM,
        "困难劳模、困难工会干部、困难职工代表座谈会",
        "2007-02-07",
        "昆山市总工会",
        "市总领导",
        "",
        "市总工会",
    ),
    (
        ["ks-jan25"],
        ActivityKind.VISIT,
        "省、苏州市、昆山市总三级领导慰问困难劳模和困难退休职工",
        "2007-01-25",
        "昆山市总工会",
        "江苏省总、苏州市总、昆山市总领导",
        "",
        "昆山",
    ),
    (
        ["ks-chairs"],
        ActivityKind.VISIT,
        "走访慰问困难企业工会主席",
        "2007-02-01",
        "昆山市总工会",
        "市总领导",
        "",
        "张浦、陆家、巴城",
    ),
    (
        ["ks-students"],
        ActivityKind.STUDENT_AID,
        "寒假结对助学爱心捐助",
        "2007-02-05",
        "昆山市总工会",
        "市总机关全体工作人员",
        "",
        "昆山中学、震川中学",
    ),
    (
        ["wz-jan06"],
        ActivityKind.VISIT,
        "与区老年基金会联合慰问困难离退休职工",
        "2007-01-06",
        "吴中区总工会",
        "区总工会、区老年基金会",
        "",
        "甪直、郭巷、木渎、东山",
    ),
    (
        ["wz-jan24"],
        ActivityKind.VISIT,
        "区四套班子领导分五条线走访慰问",
        "2007-01-24",
        "吴中区总工会",
        "区四套班子领导",
        "",
        "木渎、胥口、甪直、郭巷",
    ),
    (
        ["jc-register", "jc-new", "jc-longterm"],
        ActivityKind.OTHER,
        "困难职工困难补助及慰问",
        "2007-02-08",
        "金阊区总工会",
        "区总工会",
        "",
        "金阊区",
    ),
    (
        ["gt"],
        ActivityKind.OTHER,
        "真情送温暖、助困进万家",
        "2007-02-10",
        "苏州工投公司工会",
        "公司工会",
        "",
        "工投系统",
    ),
]
KUNSHAN_ROUTES = 7  # 兵分7路, 14 households
WUZHONG_FEB01_ROUTES = [
    ("第1路", "开发区、长桥"), ("第2路", "横泾、临湖"), ("第3路", "胥口"), ("第4路", "光福"),
]  # fmt: skip


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def load(*, password: str, log) -> None:
    _load_register(log=log)
    _load_filing(log=log)
    _load_transfers(log=log)

    _load_notice(log=log)


# FILING.md: each district's 低保 line (Suzhou's standard rose to 1,095 yuan in July 2025;
# plausible figures for the demo), and a few files of each 困难类型.
DEMO_LINES = [
    ("昆山市总工会", "1045", "2024-07-01"),
    ("昆山市总工会", "1095", "2025-07-01"),
    ("吴中区总工会", "1095", "2025-07-01"),
    ("金阊区总工会", "1095", "2025-07-01"),
]
# Per district, files turned 相对困难 (income between the line and twice it) and one
# 意外致困 (a worker injured in a major accident, income above twice the line).
RELATIVE_INCOME = Decimal("1500.00")
SUDDEN_INCOME = Decimal("2600.00")


def _load_filing(*, log) -> None:
    """Idempotent: the lines are found by unit and date, the chosen files by their order,
    and re-evaluating files already evaluated writes nothing."""
    from cases.services import cases_reevaluate

    units = {u.name: u for u in UnionUnit.objects.all()}
    for unit_name, amount, effective_on in DEMO_LINES:
        if unit_name not in units:
            continue
        _line, created = SubsistenceLine.objects.get_or_create(
            unit=units[unit_name],
            effective_on=_date(effective_on),
            defaults={"monthly_amount": Decimal(amount), "notes": "演示数据"},
        )
        if created:
            log(f"低保标准 {unit_name} {amount} 元（{effective_on}起）")
    for unit_name in dict.fromkeys(name for name, *_rest in DEMO_LINES):
        if unit_name not in units:
            continue
        district = units[unit_name]
        files = list(
            Case.objects.filter(unit__tree_path__startswith=district.tree_path)
            .exclude(status=CaseStatus.EXITED)
            .order_by("pk")
            .values_list("pk", flat=True)[:3]
        )
        if len(files) == 3:
            Case.objects.filter(pk__in=files[:2]).update(monthly_income_per_capita=RELATIVE_INCOME)
            Case.objects.filter(pk=files[2]).update(
                monthly_income_per_capita=SUDDEN_INCOME,
                sudden_event=SuddenEvent.DISASTER,
                sudden_event_on=datetime.date(2007, 1, 10),
                sudden_event_description="在重大生产安全事故中受伤致残",
            )
        run = cases_reevaluate(unit=district, on=timezone.localdate())
        if run.changed:
            log(f"困难类型 {unit_name}：测算 {run.changed} 份")


# 档案转接 (FILING.md): a 昆山 worker moved to 吴中; 昆山's head has started the transfer
# and 吴中 has not decided yet.
DEMO_TRANSFER_REASON = "本人工作调动至吴中区木渎镇，随本人转接档案。"


def _load_transfers(*, log) -> None:
    """Idempotent: one pending transfer, made once."""
    if CaseTransfer.objects.exists():
        return
    units = {u.name: u for u in UnionUnit.objects.filter(name__in=["昆山市总工会", "木渎镇工会"])}
    head = User.objects.filter(username="kunshan_head").first()
    if len(units) < 2 or head is None:
        return
    case = (
        Case.objects.filter(
            unit__tree_path__startswith=units["昆山市总工会"].tree_path,
            status=CaseStatus.VERIFIED,
        )
        .order_by("-pk")
        .first()
    )
    if case is None:
        return
    transfer = CaseTransfer(
        case=case,
        from_unit=case.unit,
        to_unit=units["木渎镇工会"],
        reason=DEMO_TRANSFER_REASON,
        started_by=head,
    )
    transfer._history_user = head
    transfer.save()
    log(f"档案转接 {case.name}：{case.unit.name} → 木渎镇工会（待接收）")


NOTICE_UNIT = "张浦镇工会"
TEMPORARY_UNIT = "木渎镇工会"


def _load_notice(*, log) -> None:
    """张浦 requires a 7-day public notice: one of its pending files is on notice now.
    吴中's 木渎 has a temporary file (临时救助档案) that lapses within the warning days."""
    from django.conf import settings

    from cases.selectors import line_in_force
    from cases.services import case_apply_hardship_type

    units = {u.name: u for u in UnionUnit.objects.filter(name__in=[NOTICE_UNIT, TEMPORARY_UNIT])}
    if len(units) < 2 or FilingRequirement.objects.filter(unit=units[NOTICE_UNIT]).exists():
        return
    FilingRequirement.objects.create(
        unit=units[NOTICE_UNIT], requires_notice=True, notice_days=7, notes="演示数据"
    )
    today = timezone.localdate()
    pending = (
        Case.objects.filter(unit=units[NOTICE_UNIT], status=CaseStatus.PENDING)
        .order_by("pk")
        .first()
    )
    if pending is not None:
        PublicNotice.objects.create(
            case=pending,
            starts_on=today - datetime.timedelta(days=2),
            ends_on=today + datetime.timedelta(days=4),
            place="张浦镇工会公示栏、厂区宣传栏",
        )
    log(f"公示要求 {NOTICE_UNIT}：7天")
    rng = random.Random(20071120)
    id_number = random_id_number(rng, region=REGION["WZ"], birth=datetime.date(1968, 5, 12))
    while Case.objects.filter(id_number=id_number).exists():
        id_number = random_id_number(rng, region=REGION["WZ"])
    days_left = max(settings.RELIEF_TEMPORARY_WARN_DAYS // 2, 1)
    case = Case.objects.create(
        name="沈阿根",
        id_number=id_number,
        unit=units[TEMPORARY_UNIT],
        status=CaseStatus.TEMPORARY,
        registered_on=today
        - datetime.timedelta(days=settings.RELIEF_TEMPORARY_FILE_DAYS - days_left),
        sudden_event=SuddenEvent.DISASTER,
        sudden_event_on=today
        - datetime.timedelta(days=settings.RELIEF_TEMPORARY_FILE_DAYS - days_left + 2),
        sudden_event_description="家中失火，房屋损毁",
        notes="演示数据：临时救助档案",
    )
    case.causes.set(Cause.objects.filter(code="disaster")[:1] or Cause.objects.all()[:1])
    # Its type as the daily re-evaluation would store it (意外致困 from the event).
    fields = case_apply_hardship_type(case, line=line_in_force(case.unit, today), on=today)
    if fields:
        case.save(update_fields=list(fields))
    log("临时救助档案 1 份")


def _load_register(*, log) -> None:
    if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return
    rng = random.Random(20070207)
    units = {u.name: u for u in UnionUnit.objects.all()}
    # The causes come from a data migration; a flushed test database has lost them.
    for order, (code, name) in enumerate(import_module("cases.migrations.0002_causes").CAUSES):
        Cause.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    causes = {c.code: c for c in Cause.objects.all()}
    approvers = {
        m.unit.code: m.user
        for user in User.objects.filter(username__endswith="_head")
        for m in user.memberships.select_related("unit")
    }
    seen_ids: set[str] = set()
    cases: list[Case] = []
    tags: list[tuple[str, list[str]]] = []
    for district, unit_name, category, count, status, cause_codes, tag in GROUPS:
        for n in range(count):
            id_number = random_id_number(
                rng,
                region=REGION[district],
                birth=datetime.date(
                    1930 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)
                ),
            )
            while id_number in seen_ids:
                id_number = random_id_number(rng, region=REGION[district])
            seen_ids.add(id_number)
            long_term = status == CaseStatus.LONG_TERM
            cases.append(
                Case(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=id_number,
                    gender=gender_from_id(id_number),
                    birth_date=birth_date_from_id(id_number),
                    phone=f"139{rng.randrange(10**8):08d}",
                    address=f"{unit_name.removesuffix('工会')}某某路{rng.randrange(1, 300)}号",
                    employer=rng.choice(["某纺织厂", "某机械厂", "某电子公司", "已退休", "待业"]),
                    unit=units[unit_name],
                    category=category,
                    household_size=1 + rng.randrange(5),
                    monthly_income_per_capita=rng.randrange(150, 600),
                    status=status,
                    registered_on=datetime.date(2006, 11, 1 + n % 28),
                    verified_on=datetime.date(2006, 12, 15)
                    if status != CaseStatus.PENDING
                    else None,
                    verified_by=approvers.get(district) if status != CaseStatus.PENDING else None,
                    certificate_number=f"苏工救字2006第{100 + n:03d}号" if long_term else "",
                    certificate_valid_from=datetime.date(2006, 1, 1) if long_term else None,
                    certificate_valid_until=datetime.date(2008, 12, 31) if long_term else None,
                    last_reviewed_on=datetime.date(2006, 12, 20) if district == "JC" else None,
                    notes="" if n else f"演示数据：{tag}",
                )
            )
            tags.append((tag, cause_codes))
    bulk_create_with_history(cases, Case, batch_size=500)
    # bulk_create returns pks on PostgreSQL and SQLite alike.
    by_tag: dict[str, list[Case]] = {}
    through = Case.causes.through
    links = []
    for case, (tag, cause_codes) in zip(cases, tags, strict=True):
        by_tag.setdefault(tag, []).append(case)
        links += [through(case_id=case.pk, cause_id=causes[c].pk) for c in cause_codes]
    through.objects.bulk_create(links, batch_size=1000)
    log(f"困难职工档案 {len(cases)} 份")

    for index, case in enumerate(by_tag["ks-students"]):
        HouseholdMember.objects.create(
            case=case,
            relation=Relation.CHILD,
            name=case.name[0] + rng.choice(["小明", "小红", "佳怡", "子涵", "浩然", "雨桐"]),
            school="昆山中学" if index < 3 else "震川中学",
        )

    campaign = Campaign.objects.create(
        name=CAMPAIGN_NAME,
        organiser=units["苏州市总工会"],
        starts_on=datetime.date(2007, 1, 1),
        ends_on=datetime.date(2007, 2, 28),
        budget=15_000_000,
        notes="见《昆山市总工会大力开展扶贫帮困送温暖工作》等2007年春节简报。",
    )

    def activity(tags_reached, kind, title, held_on, unit, leaders, route, places):
        act = Activity.objects.create(
            campaign=campaign,
            kind=kind,
            title=title,
            held_on=_date(held_on),
            unit=units[unit],
            leaders=leaders,
            route_label=route,
            places=places,
        )
        act.cases.set(tags_reached)
        return act

    for tag_names, *rest in ACTIVITIES:
        activity([c for t in tag_names for c in by_tag[t]], *rest)
    route_cases = by_tag["ks-routes"]
    for route in range(KUNSHAN_ROUTES):
        activity(
            route_cases[route * 2 : route * 2 + 2],
            ActivityKind.VISIT,
            "主席带队走访困难职工家庭",
            "2007-02-03",
            "昆山市总工会",
            "市总主席、副主席",
            f"第{route + 1}路",
            "昆山",
        )
    feb01 = by_tag["wz-feb01"]
    share = -(-len(feb01) // len(WUZHONG_FEB01_ROUTES))
    for index, (route, places) in enumerate(WUZHONG_FEB01_ROUTES):
        activity(
            feb01[index * share : (index + 1) * share],
            ActivityKind.VISIT,
            "区总主席带队慰问困难职工和困难农民工",
            "2007-02-01",
            "吴中区总工会",
            "区总工会主席",
            route,
            places,
        )
    log(f"活动 {CAMPAIGN_NAME}")

    # 金阊 reports three model workers to the city union; the city has not decided yet.
    jinchang_head = approvers.get("JC")
    if jinchang_head is not None:
        for case in by_tag["jc-new-model"][:3]:
            Referral.objects.create(
                case=case,
                reason="特困劳模，因病致贫，申请市总长期帮扶（领取救助证）。",
                submitted_by=jinchang_head,
            )
