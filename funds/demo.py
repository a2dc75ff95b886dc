"""Demo funds and the seed bulletin's disbursements, posted through funds.services.

Idempotent: the city union's 送温暖专项资金 is the marker; when it exists, nothing is
added. Runs after ``cases.demo`` and pays the people of the activities it created, so
that reports reproduce the bulletin's figures exactly: 吴中 74 retiree households
110,500元 (2007-01-06) and 219 workers 171,400元 (2007-02-01); 昆山's symposium (350元
of goods and 800元 cash each), 4 union chairs 7,500元, 14 households 14,200元 ("14000多元")
on 7 routes and 6 pupils 4,800元; 工投 592 people 750,000元; 金阊 95 subsidies. The
amounts per person are invented where the bulletin gives only a total.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from cases.demo import CAMPAIGN_NAME
from cases.models import Activity, CaseStatus, Category
from funds.models import DisbursementKind, EntryKind, Fund, FundKind
from funds.services import allocation_post, disbursements_post_many, income_post
from unions.models import UnionUnit, User

CITY = "苏州市总工会"
MARKER_FUND = "送温暖专项资金"

# (unit, fund name, kind, notes)
FUNDS = [
    (CITY, MARKER_FUND, FundKind.CAMPAIGN, "市总2007年春节送温暖专项资金"),
    ("昆山市总工会", "送温暖专项资金", FundKind.CAMPAIGN, ""),
    ("昆山市总工会", "结对助学金", FundKind.STUDENT_AID, "市总机关工作人员爱心捐助"),
    ("吴中区总工会", "送温暖专项资金", FundKind.CAMPAIGN, ""),
    ("木渎镇工会", "送温暖专项资金", FundKind.CAMPAIGN, ""),
    ("金阊区总工会", "扶贫帮困基金会", FundKind.FOUNDATION, "在区委、区政府关怀下设立"),
    ("苏州工投公司工会", "送温暖专项资金", FundKind.CAMPAIGN, "真情送温暖、助困进万家"),
    ("苏州工投公司工会", "互助互济帮困基金", FundKind.MUTUAL_AID, "基金规模500余万元"),
]

# (unit, fund, kind, date, amount, source, notes); posted by that unit's approver,
# or by the city administrator for the city union.
INCOME = [
    (CITY, MARKER_FUND, EntryKind.OWN_BUDGET, "2007-01-04", "10000000", "苏州市总工会本级经费", ""),  # noqa: E501
    ("吴中区总工会", "送温暖专项资金", EntryKind.OWN_BUDGET, "2007-01-05", "100000", "吴中区总工会本级经费", ""),  # noqa: E501
    ("金阊区总工会", "扶贫帮困基金会", EntryKind.OWN_BUDGET, "2007-01-08", "50000", "区委、区政府支持", ""),  # noqa: E501
    ("金阊区总工会", "扶贫帮困基金会", EntryKind.DONATION, "2007-01-30", "2100", "区机关群团支部全体党员", "机关党员捐款，为结对困难职工购买年货"),  # noqa: E501
    ("昆山市总工会", "结对助学金", EntryKind.DONATION, "2007-02-05", "4800", "市总机关全体工作人员", "寒假结对助学爱心捐助"),  # noqa: E501
    ("苏州工投公司工会", "送温暖专项资金", EntryKind.OWN_BUDGET, "2007-01-15", "650000", "公司筹集慰问金", ""),  # noqa: E501
    ("苏州工投公司工会", "互助互济帮困基金", EntryKind.OWN_BUDGET, "2007-01-01", "5200000", "公司职工互助互济帮困基金", "期初余额"),  # noqa: E501
]  # fmt: skip

# (giving unit, receiving unit, receiving fund, date, amount); from each giver's 送温暖专项资金.
ALLOCATIONS = [
    (CITY, "昆山市总工会", "送温暖专项资金", "2007-01-05", "100000"),
    (CITY, "吴中区总工会", "送温暖专项资金", "2007-01-05", "200000"),
    (CITY, "金阊区总工会", "扶贫帮困基金会", "2007-01-05", "30000"),
    (CITY, "苏州工投公司工会", "送温暖专项资金", "2007-01-05", "150000"),
    ("吴中区总工会", "木渎镇工会", "送温暖专项资金", "2007-01-20", "10000"),
]

# District code of each demo unit's approver ("KS" -> kunshan_head).
APPROVERS = {
    "昆山市总工会": "kunshan_head",
    "吴中区总工会": "wuzhong_head",
    "金阊区总工会": "jinchang_head",
    "苏州工投公司工会": "gongtou_head",
}
CLERKS = {
    "昆山市总工会": "kunshan_clerk",
    "吴中区总工会": "wuzhong_clerk",
    "金阊区总工会": "jinchang_clerk",
    "苏州工投公司工会": "gongtou_clerk",
}

# Titles of the activities cases.demo creates.
WZ_RETIREES = "与区老年基金会联合慰问困难离退休职工"
WZ_ROUTES = "区总主席带队慰问困难职工和困难农民工"
KS_SYMPOSIUM = "困难劳模、困难工会干部、困难职工代表座谈会"
KS_CHAIRS = "走访慰问困难企业工会主席"
KS_ROUTES = "主席带队走访困难职工家庭"
KS_STUDENTS = "寒假结对助学爱心捐助"
JC_SUBSIDIES = "困难职工困难补助及慰问"
GT_CAMPAIGN = "真情送温暖、助困进万家"

# Payments at the end of some groups whose receipt is not signed yet (for the audit).
UNSIGNED = 2


def two_tiers(total: str, count: int, high: str, low: str) -> list[Decimal]:
    """``count`` amounts of ``high`` or ``low`` yuan that add up to exactly ``total``."""
    total_, high_, low_ = Decimal(total), Decimal(high), Decimal(low)
    highs, rest = divmod(total_ - low_ * count, high_ - low_)
    if rest or not 0 <= highs <= count:
        raise ValueError(f"{total} cannot be split into {count} of {high} or {low}")
    return [high_] * int(highs) + [low_] * (count - int(highs))


def load(*, password: str, log) -> None:
    if Fund.objects.filter(unit__name=CITY, name=MARKER_FUND).exists():
        return
    activities = list(
        Activity.objects.filter(campaign__name=CAMPAIGN_NAME)
        .select_related("unit", "campaign")
        .order_by("held_on", "route_label", "pk")
    )
    if not activities:
        log("资金：未找到活动，跳过")
        return
    units = {unit.name: unit for unit in UnionUnit.objects.all()}
    users = {user.username: user for user in User.objects.filter(is_active=True)}
    city_admin = users["city_admin"]

    funds: dict[tuple[str, str], Fund] = {}
    for unit_name, name, kind, notes in FUNDS:
        fund = Fund(unit=units[unit_name], name=name, kind=kind, notes=notes)
        fund._history_user = city_admin
        fund.full_clean()
        fund.save()
        funds[unit_name, name] = fund

    def poster(unit_name: str) -> User:
        return city_admin if unit_name == CITY else users[APPROVERS[district_of(unit_name)]]

    def district_of(unit_name: str) -> str:
        unit = units[unit_name]
        while unit.parent_id and unit.name not in APPROVERS:
            unit = unit.parent
        return unit.name

    for unit_name, name, kind, day, amount, source, notes in INCOME:
        income_post(
            fund=funds[unit_name, name],
            kind=kind,
            amount=Decimal(amount),
            entry_date=datetime.date.fromisoformat(day),
            source=source,
            notes=notes,
            acting_user=poster(unit_name),
        )
    for giver, receiver, fund_name, day, amount in ALLOCATIONS:
        allocation_post(
            from_fund=funds[giver, MARKER_FUND],
            to_fund=funds[receiver, fund_name],
            amount=Decimal(amount),
            entry_date=datetime.date.fromisoformat(day),
            notes="2007年春节送温暖拨款",
            acting_user=poster(giver),
        )
    log(f"资金 {len(funds)} 个")

    def find(title: str) -> list[Activity]:
        found = [a for a in activities if a.title == title]
        if not found:
            raise RuntimeError(f"cases.demo did not create the activity {title!r}")
        return found

    def people(acts: list[Activity]) -> list[tuple[Activity, object]]:
        reached = []
        for act in acts:
            reached += [(act, case) for case in act.cases.order_by("pk")]
        return reached

    def pay(acts, amounts, fund_key, kind=DisbursementKind.CONDOLENCE, unsigned=0, **goods):
        """Pay everyone the activities reached, in order; the last ``unsigned`` unsigned."""
        reached = people(acts)
        if len(reached) != len(amounts):
            raise RuntimeError(f"{acts[0].title}: {len(reached)} people, {len(amounts)} amounts")
        district = district_of(acts[0].unit.name)
        clerk = users[CLERKS[district]]
        rows_by_activity: dict[Activity, list] = {act: [] for act in acts}
        for index, ((act, case), amount) in enumerate(zip(reached, amounts, strict=True)):
            rows_by_activity[act].append((case, amount, index < len(reached) - unsigned))
        for act, rows in rows_by_activity.items():
            disbursements_post_many(
                rows=rows,
                kind=kind,
                fund=funds[fund_key],
                activity=act,
                leader=act.leaders,
                handled_by=f"{clerk.last_name}{clerk.first_name}",
                acting_user=users[APPROVERS[district]],
                **goods,
            )
        return len(reached)

    wuzhong = ("吴中区总工会", "送温暖专项资金")
    kunshan = ("昆山市总工会", "送温暖专项资金")
    count = 0
    # 吴中: 1月6日 74 retiree households 110,500元; 2月1日 four routes, 219 people 171,400元.
    count += pay(find(WZ_RETIREES), two_tiers("110500", 74, "1500", "1000"), wuzhong)
    routes = two_tiers("171400", 219, "800", "600")
    count += pay(find(WZ_ROUTES), routes, wuzhong, unsigned=UNSIGNED)
    # 昆山: 4 union chairs 7,500元; 7 routes, 14 households 14,200元; 6 pupils 4,800元.
    count += pay(find(KS_CHAIRS), two_tiers("7500", 4, "2000", "1500"), kunshan)
    count += pay(find(KS_ROUTES), two_tiers("14200", 14, "1100", "1000"), kunshan)
    students = find(KS_STUDENTS)
    pupils = [Decimal("800")] * 6
    count += pay(students, pupils, ("昆山市总工会", "结对助学金"), DisbursementKind.STUDENT_AID)
    # 昆山 symposium: each of the ~30 representatives got 800元 cash and 350元 of goods.
    symposium = find(KS_SYMPOSIUM)
    attendees = len(people(symposium))
    count += pay(symposium, [Decimal("800")] * attendees, kunshan)
    count += pay(
        symposium,
        [None] * attendees,
        kunshan,
        DisbursementKind.GOODS,
        item="生活用品",
        quantity=1,
        unit_value=Decimal("350"),
    )
    # 金阊: 95 subsidies, more for the 14 on the city's long-term aid.
    jinchang = find(JC_SUBSIDIES)
    subsidies = [
        Decimal("1000") if case.status == CaseStatus.LONG_TERM else Decimal("600")
        for _act, case in people(jinchang)
    ]
    foundation = ("金阊区总工会", "扶贫帮困基金会")
    count += pay(jinchang, subsidies, foundation, DisbursementKind.SUBSIDY, unsigned=UNSIGNED)
    # 工投: 592 people, 750,000元 in all.
    gongtou = find(GT_CAMPAIGN)
    shares = [
        Decimal("1300") if case.category == Category.EXTREME_HARDSHIP else Decimal("1202")
        for _act, case in people(gongtou)
    ]
    count += pay(gongtou, shares, ("苏州工投公司工会", "送温暖专项资金"), unsigned=UNSIGNED)
    log(f"发放记录 {count} 条")
