"""Generate N realistic disbursements (and household members) for bench.reports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relief_bench DEBUG=1 \\
        .venv/bin/python -m bench.generate_disbursements --cases 1000000 \\
        --disbursements 5000000

``--disbursements N`` makes the database hold N generated disbursements: it tops up from
what an earlier run left, like bench.generate_cases (``--reset`` deletes them and the
generated household members first).
``--cases N`` first tops the register up to N generated cases with that script; without
it the generated cases already in the database are used (there must be some).

Rows are deterministic: disbursement ``j`` is drawn from its own generator, seeded from
``--seed`` and ``j``, and picks its beneficiary among the generated cases by their
number (``[bench] #i``), so the same cases and seed give the same rows however the work
is split into batches and processes. The spread: 2005–2026, each within its case's time
on the register (a few paid before verification or after exit, which the audit finds);
the paying unit is the case's unit or, for a town, often its district, paying out of its
own fund or its district's; Spring Festival (送温暖), summer (送清凉) and student-aid
(金秋助学) campaigns; cash, subsidies, medical and student aid, and goods rows with a
quantity and unit value (some donated, outside any fund); a few paid directly by a
sponsor, a few without a signed receipt, a few reversed.

The rows go straight into the table: COPY on PostgreSQL (psycopg's ``cursor.copy``),
multi-row INSERTs on SQLite, one transaction per batch. No ledger entries are written
and fund balances are left alone: the reports and the audit read disbursements, and
fund balances are not part of what bench.reports times (so the ledger-reconciliation
rule stays quiet: every generated fund has a zero balance and an empty ledger). No
django-simple-history rows either. Funds and campaigns the rows need are created once
(``notes`` starts with ``[bench]``) and kept by ``--reset``.

Household members (``--member-share``, default half the generated cases) are what the
audit's duplicate-ID rule reads: spouses, children and parents with their own ID
numbers, unique apart from a few planted duplicates (a member who is on file as a case
elsewhere, or the same child in two households). They are made once per case, for the
generated cases that have none yet.

Without ``DATABASE_URL`` the data lives in bench/data/bench.sqlite3; the script refuses
any database whose name lacks "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import random
import time
from array import array
from datetime import UTC, date, datetime, timedelta

from bench import generate_cases, harness
from bench.generate_cases import MARKER, bootstrap
from bench.harness import check_database

DEFAULT_SEED = 20260102
MEMBER_SEED_OFFSET = 7_777
DEFAULT_BATCH = 50_000
DEFAULT_MEMBER_SHARE = 0.5
FIRST_DAY = date(2005, 1, 1)
SHANGHAI = timedelta(hours=8)

# Campaign windows (month, day) .. (month, day) and their share of a year's aid.
SPRING = ((1, 1), (2, 28))  # 春节送温暖, organised by the city union
SUMMER = ((7, 1), (8, 20))  # 夏季送清凉, city
AUTUMN = ((8, 21), (9, 30))  # 金秋助学, each district
SEASON_WEIGHTS = [("spring", 45), ("summer", 8), ("autumn", 9), ("any", 38)]
IN_CAMPAIGN = 0.85  # share of the aid inside a window that is booked to its campaign

# Kind weights per season; amounts in yuan.
KINDS = {
    "spring": [("condolence", 58), ("goods", 37), ("subsidy", 5)],
    "summer": [("goods", 70), ("condolence", 30)],
    "autumn": [("student_aid", 90), ("goods", 10)],
    "any": [("subsidy", 45), ("medical", 25), ("condolence", 15), ("goods", 10),
            ("student_aid", 5)],
}  # fmt: skip
CONDOLENCE = [200, 300, 300, 500, 500, 500, 800, 1000, 1000, 1500, 2000]
# (item, quantities, unit values in yuan, season or "")
GOODS = [
    ("大米", (1, 1, 2, 3), (60, 80, 100, 150), ""),
    ("食用油", (1, 2), (60, 80, 120), ""),
    ("棉被", (1, 1, 2), (150, 200, 260, 400), "spring"),
    ("羽绒服", (1,), (200, 300, 450, 600), "spring"),
    ("年货礼包", (1,), (100, 150, 200, 300), "spring"),
    ("防暑降温用品", (1, 2, 3), (30, 50, 80, 100), "summer"),
    ("学习用品", (1, 2), (50, 80, 120), "autumn"),
]
SPONSORS = ["中国农业银行苏州分行", "苏州银行", "昆山某电子公司", "某房地产开发公司", "爱心人士"]
LEADER_TITLES = ["主席", "副主席", "书记"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"

# Rare rows that the city audit should find.
UNSIGNED = 0.025  # no signed receipt
REVERSED = 0.008  # reversed afterwards
BEFORE_VERIFICATION = 0.003
AFTER_EXIT = 0.01  # of the aid to a case that later exited
PAID_DIRECTLY = 0.03  # of cash rows: a sponsor paid, no fund
DONATED_GOODS = 0.3  # of goods rows: donated, no fund (a tenth of them valued at 0)
PENDING_AID = 0.05  # a draw landing on a pending case keeps it (confirmed by an approver)

DISBURSEMENT_COLUMNS = [
    "case_id", "disbursed_on", "kind", "cash_amount", "item", "quantity", "unit_value",
    "fund_id", "campaign_id", "activity_id", "paying_unit_id", "paid_directly_by", "leader",
    "handled_by", "receipt_signed", "notes", "ledger_entry_id", "is_reversed", "posted_by_id",
    "posted_at", "case_on_file_when_paid",
]  # fmt: skip
CASE_FIELDS = ["pk", "unit_id", "status", "verified_on", "registered_on", "exited_on",
               "household_size", "id_number", "birth_date"]  # fmt: skip
MEMBER_COLUMNS = ["case_id", "relation", "name", "id_number", "school", "notes"]
STATUS_CODES = {"pending": 0, "verified": 1, "long_term": 2, "exited": 3}


def generated_disbursements():
    from funds.models import Disbursement

    return Disbursement.objects.filter(notes__startswith=MARKER)


def _index_expression(field: str = "notes"):
    """The number ``j`` of ``[bench] #j`` as an integer, in SQL."""
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast, Substr

    return Cast(Substr(field, len(MARKER) + 3), BigIntegerField())


def present_indices() -> set[int] | range:
    """The numbers of the generated disbursements already in the database."""
    from django.db.models import Count, Max

    found = generated_disbursements().aggregate(n=Count("pk"), top=Max(_index_expression()))
    if not found["n"]:
        return range(0)
    if found["top"] == found["n"] - 1:
        return range(found["n"])  # every number below the top: nothing to read
    rows = generated_disbursements().values_list("notes", flat=True).iterator(chunk_size=50_000)
    return {int(text.rpartition("#")[2]) for text in rows}


# --- the world the rows refer to ----------------------------------------------------------


class World:
    """Cases, units, funds, campaigns and users, loaded once before the workers fork.

    Cases are held in flat arrays indexed by their generated number ``i`` (pk, unit,
    status and the first and last day of their time on the register as ordinals).
    """

    def __init__(self, today: date) -> None:
        from cases.models import Case
        from unions.models import Membership, Role, UnionUnit, UnitLevel, User

        self.today = today
        units = {u.pk: u for u in UnionUnit.objects.all()}
        self.district_of = {}
        for unit in units.values():
            if unit.level == UnitLevel.TOWN and unit.parent_id in units:
                self.district_of[unit.pk] = unit.parent_id
            else:
                self.district_of[unit.pk] = unit.pk
        self.units = units
        clerks, heads = {}, {}
        for membership in Membership.objects.select_related("user"):
            target = clerks if membership.role == Role.CLERK else heads
            target.setdefault(membership.unit_id, membership.user)
        fallback = (
            User.objects.filter(username="city_admin").first()
            or User.objects.filter(is_superuser=True).first()
            or User.objects.order_by("pk").first()
        )
        if fallback is None:
            raise SystemExit("No user to post the disbursements: load the demo first.")
        self.poster = {}
        self.handler = {}
        self.leader = {}
        for pk in units:
            district = self.district_of[pk]
            clerk = clerks.get(pk) or clerks.get(district) or fallback
            head = heads.get(pk) or heads.get(district)
            self.poster[pk] = clerk.pk
            self.handler[pk] = f"{clerk.last_name}{clerk.first_name}" or clerk.username
            self.leader[pk] = (
                f"{head.last_name}{head.first_name}" if head else units[pk].name[:2] + "主席"
            )
        self.funds = self._funds()
        self.campaigns = self._campaigns()

        started = time.perf_counter()
        rows = (
            Case.objects.filter(notes__startswith=MARKER)
            .annotate(number=_index_expression())
            .values_list("number", *CASE_FIELDS)
            .order_by()
            .iterator(chunk_size=50_000)
        )
        by_number = {}
        for row in rows:
            by_number[row[0]] = row[1:]
        if not by_number:
            raise SystemExit(
                "No generated cases: run bench.generate_cases first (or pass --cases N)."
            )
        self.size = len(by_number)
        numbers = sorted(by_number)
        self.case_pk = array("q")
        self.case_unit = array("q")
        self.case_status = array("b")
        self.case_first = array("l")
        self.case_last = array("l")
        self.case_verified = array("l")
        self.household = array("b")
        self.birth = array("l")
        self.id_numbers: list[str] = []
        today_ordinal = today.toordinal()
        first_ordinal = FIRST_DAY.toordinal()
        for number in numbers:
            pk, unit, status, verified, registered, exited, household, id_number, birth = (
                by_number[number]
            )
            self.case_pk.append(pk)
            self.case_unit.append(unit)
            self.case_status.append(STATUS_CODES.get(status, 0))
            start = (verified or registered).toordinal()
            self.case_verified.append(start)
            self.case_first.append(max(registered.toordinal(), first_ordinal))
            self.case_last.append(exited.toordinal() if exited else today_ordinal)
            self.household.append(min(household or 1, 7))
            self.birth.append(birth.toordinal())
            self.id_numbers.append(id_number)
        self.longest = max(
            (b - max(a, v) + 180 for a, b, v in zip(self.case_first, self.case_last,
                                                    self.case_verified, strict=True)),
            default=1,
        )  # fmt: skip
        self.loaded_in = time.perf_counter() - started

    def _funds(self) -> dict[int, list[int]]:
        """Two funds per district, town and system unit (made when missing)."""
        from funds.models import Fund, FundKind
        from unions.models import UnitLevel

        funds: dict[int, list[int]] = {}
        for unit in self.units.values():
            if unit.level == UnitLevel.CITY:
                continue
            for name, kind in [("送温暖专项资金", FundKind.CAMPAIGN),
                               ("困难职工帮扶资金", FundKind.FOUNDATION)]:  # fmt: skip
                fund, _created = Fund.objects.get_or_create(
                    unit=unit,
                    name=f"{unit.name[:-2] if unit.name.endswith('工会') else unit.name}{name}",
                    defaults={"kind": kind, "notes": f"{MARKER} fund"},
                )
                funds.setdefault(unit.pk, []).append(fund.pk)
        return funds

    def _campaigns(self) -> dict[tuple[int, str, int], int]:
        """(year, season, district pk or 0) -> campaign pk, made when missing."""
        from cases.models import Campaign
        from unions.models import UnitLevel

        city = next((u for u in self.units.values() if u.level == UnitLevel.CITY), None)
        if city is None:
            raise SystemExit("No city union: the demo tree did not load.")
        districts = [
            u for u in self.units.values() if u.level in (UnitLevel.DISTRICT, UnitLevel.SYSTEM)
        ]
        existing = dict(Campaign.objects.values_list("name", "pk"))
        wanted = []
        for year in range(FIRST_DAY.year, self.today.year + 1):
            wanted.append(((year, "spring", 0), f"{year}年春节送温暖", city, SPRING))
            wanted.append(((year, "summer", 0), f"{year}年夏季送清凉", city, SUMMER))
            for district in districts:
                wanted.append(
                    ((year, "autumn", district.pk), f"{year}年{district.name}金秋助学",
                     district, AUTUMN)
                )  # fmt: skip
        campaigns = {}
        for key, name, organiser, window in wanted:
            pk = existing.get(name)
            if pk is None:
                year = key[0]
                pk = Campaign.objects.create(
                    name=name,
                    organiser=organiser,
                    starts_on=date(year, *window[0]),
                    ends_on=date(year, *window[1]),
                    notes=f"{MARKER} campaign",
                ).pk
            campaigns[key] = pk
        return campaigns


# Set in the parent before the worker processes are forked, so they inherit it.
_WORLD: World | None = None
_SEED = DEFAULT_SEED
_VENDOR = "postgresql"


def _window(year: int, window) -> tuple[int, int]:
    return date(year, *window[0]).toordinal(), date(year, *window[1]).toordinal()


def build_disbursement(j: int) -> tuple:
    """Disbursement number ``j`` as a row of DISBURSEMENT_COLUMNS."""
    world = _WORLD
    rng = random.Random(_SEED * 100_000_007 + j)
    # The beneficiary: a case drawn in proportion to its time on file, so that each year
    # on file brings about as much aid (the register grows over the years); a draw that
    # lands on a pending case is mostly drawn again (aid to a pending case needs an
    # approver's confirmation).
    for _attempt in range(12):
        i = rng.randrange(world.size)
        status = world.case_status[i]
        if status == 0:
            if rng.random() < PENDING_AID:
                break
            continue
        span = world.case_last[i] - max(world.case_first[i], world.case_verified[i]) + 180
        if rng.random() * world.longest < span:
            break
    first, last, verified = world.case_first[i], world.case_last[i], world.case_verified[i]
    if status != 0:
        first = max(first, verified)
    today = world.today.toordinal()
    if status == 3 and rng.random() < AFTER_EXIT and last < today:
        first, last = last + 1, min(last + 400, today)
    elif status != 0 and rng.random() < BEFORE_VERIFICATION:
        first, last = world.case_first[i], max(world.case_first[i], verified - 1)
    last = max(first, min(last, today))

    # When: the year of a day of the case's time on file, then a season of that year.
    year = date.fromordinal(rng.randint(first, last)).year
    season = rng.choices([s for s, _w in SEASON_WEIGHTS], [w for _s, w in SEASON_WEIGHTS])[0]
    if season == "any":
        low, high = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    else:
        low, high = _window(year, {"spring": SPRING, "summer": SUMMER, "autumn": AUTUMN}[season])
    low, high = max(low, first), min(high, last)
    if low > high:  # the season falls outside the case's time on file
        season, low, high = "any", first, last
    day = rng.randint(low, high)
    on = date.fromordinal(day)

    unit = world.case_unit[i]
    district = world.district_of[unit]
    paying = district if district != unit and rng.random() < 0.3 else unit
    campaign = None
    if season != "any" and rng.random() < IN_CAMPAIGN:
        campaign = world.campaigns.get((year, season, district if season == "autumn" else 0))

    kinds = KINDS[season]
    kind = rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
    cash = item = quantity = unit_value = None
    fund = None
    paid_directly = ""
    own_funds = world.funds.get(paying) or world.funds.get(district) or [None]
    district_funds = world.funds.get(district) or own_funds
    pick_fund = district_funds if paying != district and rng.random() < 0.3 else own_funds
    if kind == "goods":
        goods = [g for g in GOODS if g[3] in ("", season)]
        item, quantities, values, _season = rng.choice(goods)
        quantity = rng.choice(quantities)
        donated = rng.random() < DONATED_GOODS
        unit_value = 0 if donated and rng.random() < 0.1 else rng.choice(values)
        fund = None if donated else pick_fund[0]
    else:
        if kind == "condolence":
            cash = rng.choice(CONDOLENCE)
        elif kind == "subsidy":
            cash = rng.randrange(500, 5001, 100)
        elif kind == "student_aid":
            cash = rng.randrange(1000, 5001, 500)
        else:  # medical
            cash = rng.randrange(1000, 12001, 100) if rng.random() < 0.97 else 15000
        if rng.random() < PAID_DIRECTLY:
            paid_directly = rng.choice(SPONSORS)
        else:
            fund = pick_fund[-1] if kind in ("subsidy", "medical") else pick_fund[0]
    if rng.random() < 0.6:
        leader = world.leader[paying]
    else:
        leader = f"{rng.choice(SURNAMES)}{rng.choice(LEADER_TITLES)}"
    posted = datetime.combine(on, datetime.min.time()) + timedelta(
        days=rng.choice((0, 0, 0, 1, 2, 3)), hours=rng.randint(8, 17), minutes=rng.randrange(60)
    )
    posted_utc = (posted - SHANGHAI).replace(tzinfo=UTC)
    if _VENDOR == "sqlite":
        on_text = on.isoformat()
        posted_text = posted_utc.strftime("%Y-%m-%d %H:%M:%S")
    else:
        on_text = on
        posted_text = posted_utc
    # The audit's rule as the register stood when it was paid (funds.models.case_on_file;
    # a generated case never changes status after its aid).
    on_file = (
        status != 0
        and day >= world.case_verified[i]
        and not (status == 3 and day > world.case_last[i])
    )
    money = f"{cash}.00" if cash is not None else None
    value = f"{unit_value}.00" if unit_value is not None else None
    return (
        world.case_pk[i], on_text, kind, money, item or "", quantity, value, fund, campaign,
        None, paying, paid_directly, leader, world.handler[paying],
        rng.random() >= UNSIGNED, f"{MARKER} #{j}", None, rng.random() < REVERSED,
        world.poster[paying], posted_text, on_file,
    )  # fmt: skip


def _insert(indices: list[int]) -> int:
    """Build and write rows ``indices`` in one transaction."""
    from django.db import transaction

    from funds.models import Disbursement

    rows = [build_disbursement(j) for j in indices]
    with transaction.atomic():
        write_rows(Disbursement._meta.db_table, DISBURSEMENT_COLUMNS, rows)
    return len(rows)


def write_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, multi-row INSERTs elsewhere (inside the caller's transaction)."""
    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
            statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with raw.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per_statement = max(1, 30_000 // len(columns))  # under SQLite's variable limit
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES "
                + ", ".join([placeholders] * len(chunk)),
                [value for row in chunk for value in row],
            )


# --- household members ------------------------------------------------------------------

RELATIONS_BY_SIZE = ["spouse", "child", "child", "parent", "child", "parent"]
CHILD_GIVEN = "子涵 浩然 梓轩 欣怡 宇轩 雨桐 佳琪 子豪 思雨 一诺 明轩 诗涵".split()  # noqa: SIM905
ADULT_GIVEN = "建华 秀英 国强 桂英 志明 玉兰 永林 红梅 德明 美芳 金娣 荣生".split()  # noqa: SIM905
SCHOOLS = ["实验小学", "中心小学", "第一中学", "第二中学", "职业技术学校", "苏州大学"]
MEMBER_ON_FILE = 0.001  # a member who is also on file as a case (elsewhere)
SHARED_MEMBER = 0.0005  # the same person recorded in two households


def generate_members(share: float, seed: int, log=print) -> dict:
    """Members for the generated cases that have none yet; returns counts and the rate."""
    from django.db import transaction

    from cases.idnumbers import random_id_number
    from cases.models import Case, HouseholdMember

    world = _WORLD
    started = time.perf_counter()
    done = set(
        HouseholdMember.objects.filter(notes__startswith=MARKER)
        .values_list("case_id", flat=True)
        .distinct()
        .iterator(chunk_size=50_000)
    )
    todo = [i for i in range(world.size) if world.case_pk[i] not in done]
    result = {"created": 0, "seconds": 0.0, "existing_households": len(done)}
    if not todo or share <= 0:
        log(f"household members: {len(done):,} generated households present, nothing to do")
        return result
    seen = set(world.id_numbers)
    seen.update(
        HouseholdMember.objects.exclude(id_number="")
        .values_list("id_number", flat=True)
        .iterator(chunk_size=50_000)
    )
    seen.update(Case.objects.exclude(notes__startswith=MARKER).values_list("id_number", flat=True))
    today = world.today
    rows: list[tuple] = []
    last_shared = None
    created = 0

    def flush():
        nonlocal rows, created
        if rows:
            with transaction.atomic():
                write_rows(HouseholdMember._meta.db_table, MEMBER_COLUMNS, rows)
            created += len(rows)
            rows = []

    for i in todo:
        rng = random.Random((seed + MEMBER_SEED_OFFSET) * 100_000_007 + i)
        if rng.random() >= share:
            continue
        case_birth = date.fromordinal(world.birth[i])
        region = world.id_numbers[i][:6]
        surname = rng.choice(SURNAMES)
        for relation in RELATIONS_BY_SIZE[: world.household[i] - 1]:
            if relation == "spouse":
                born = case_birth + timedelta(days=rng.randint(-5 * 365, 5 * 365))
                name = rng.choice(SURNAMES) + rng.choice(ADULT_GIVEN)
            elif relation == "child":
                born = case_birth + timedelta(days=rng.randint(22 * 365, 36 * 365))
                name = surname + rng.choice(CHILD_GIVEN)
            else:
                born = case_birth - timedelta(days=rng.randint(22 * 365, 36 * 365))
                name = surname + rng.choice(ADULT_GIVEN)
            school = ""
            if born > today:
                continue  # not born yet
            if relation == "child" and (today - born).days < 22 * 365:
                school = rng.choice(SCHOOLS)
            roll = rng.random()
            if roll < 0.15:
                id_number = ""  # not recorded
            elif roll < 0.15 + MEMBER_ON_FILE:
                id_number = world.id_numbers[rng.randrange(world.size)]
            elif roll < 0.15 + MEMBER_ON_FILE + SHARED_MEMBER and last_shared:
                id_number = last_shared
            else:
                id_number = random_id_number(rng, region=region, birth=born)
                while id_number in seen:
                    id_number = random_id_number(rng, region=region)
                seen.add(id_number)
                if relation == "child":
                    last_shared = id_number
            rows.append((world.case_pk[i], relation, name, id_number, school, f"{MARKER} #{i}"))
        if len(rows) >= DEFAULT_BATCH:
            flush()
            elapsed = time.perf_counter() - started
            log(f"  {created:>10,} household members  {created / elapsed:>8,.0f} rows/s")
    flush()
    elapsed = time.perf_counter() - started
    result.update(created=created, seconds=elapsed)
    log(f"created {created:,} household members in {elapsed:.1f} s")
    return result


# --- driving it -------------------------------------------------------------------------


def reset(log=print) -> None:
    """Delete the generated disbursements and household members (funds, campaigns stay)."""
    from django.db import connection, transaction

    from cases.models import HouseholdMember
    from funds.models import Disbursement

    started = time.perf_counter()
    deleted = []
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Disbursement, HouseholdMember):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE notes LIKE %s", [MARKER + "%"])
            deleted.append(cursor.rowcount)
    log(
        f"reset: deleted {deleted[0]:,} generated disbursements and {deleted[1]:,} household "
        f"members in {time.perf_counter() - started:.1f} s"
    )


def generate(
    target: int,
    *,
    reset_first: bool = False,
    seed: int = DEFAULT_SEED,
    batch_size: int = DEFAULT_BATCH,
    jobs: int | None = None,
    member_share: float = DEFAULT_MEMBER_SHARE,
    log=print,
) -> dict:
    """Make the database hold ``target`` generated disbursements (and the members)."""
    from django.test.utils import override_settings

    # With DEBUG on every batch would be kept as text in connection.queries.
    with override_settings(DEBUG=False):
        return _generate(target, reset_first, seed, batch_size, jobs, member_share, log)


def _generate(target, reset_first, seed, batch_size, jobs, member_share, log) -> dict:
    global _WORLD, _SEED, _VENDOR
    from django.db import connection
    from django.utils import timezone

    generate_cases.ensure_schema_and_demo(log)
    if reset_first:
        reset(log)
    _SEED = seed
    _VENDOR = connection.vendor
    _WORLD = World(timezone.localdate())
    log(f"loaded {_WORLD.size:,} generated cases in {_WORLD.loaded_in:.1f} s")
    members = generate_members(member_share, seed, log)

    present = present_indices()
    result = {"target": target, "existing": len(present), "created": 0, "seconds": 0.0,
              "members": members["created"]}  # fmt: skip
    missing = [j for j in range(target) if j not in present]
    if not missing:
        log(f"{len(present):,} generated disbursements present (target {target:,}): nothing to do")
        return result
    jobs = harness.default_jobs(jobs)
    log(
        f"generating {len(missing):,} disbursements (#{missing[0]:,}..#{missing[-1]:,}) in "
        f"batches of {batch_size:,}, {jobs} process(es)"
    )
    tasks = [missing[s : s + batch_size] for s in range(0, len(missing), batch_size)]
    progress = harness.Progress(len(present), target, "disbursements", log)
    for count in harness.pooled(_insert, tasks, jobs):
        progress(count)
    elapsed = progress.elapsed()
    result.update(created=len(missing), seconds=elapsed)
    log(
        f"created {len(missing):,} disbursements in {elapsed:.1f} s "
        f"({len(missing) / elapsed:,.0f} rows/s)"
    )
    return result


def analyze(log=print) -> None:
    """Fresh planner statistics for the tables the reports read."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("funds_disbursement", "cases_householdmember", "cases_case"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute("ANALYZE")
    log(f"ANALYZE done in {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--disbursements", type=int, required=True, help="generated disbursements to hold"
    )
    parser.add_argument(
        "--cases", type=int, help="first top the register up to this many generated cases"
    )
    parser.add_argument("--reset", action="store_true", help="delete generated ones first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument(
        "--member-share",
        type=float,
        default=DEFAULT_MEMBER_SHARE,
        help="share of generated cases given household members (default: %(default)s)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes (default: 2 on PostgreSQL, always 1 on SQLite)",
    )
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE afterwards")
    parser.add_argument(
        "--force", action="store_true", help="allow a database without 'bench' in its name"
    )
    args = parser.parse_args(argv)
    bootstrap()
    print(f"database: {check_database(args.force)}")
    if args.cases:
        outcome = generate_cases.generate(args.cases, jobs=args.jobs)
        if outcome["created"] and not args.no_analyze:
            generate_cases.analyze()
    result = generate(
        args.disbursements,
        reset_first=args.reset,
        seed=args.seed,
        batch_size=args.batch_size,
        jobs=args.jobs,
        member_share=args.member_share,
    )
    if result["created"]:
        # COPY bypasses funds.services and the ORM: the maintained aggregates are built
        # from the raw rows afterwards, then proved equal to them.
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("rebuild_aggregates")
        call_command("rebuild_aggregates", "--check")
        print(f"aggregates rebuilt and checked in {time.perf_counter() - started:.1f} s")
    if (result["created"] or result["members"]) and not args.no_analyze:
        analyze()


if __name__ == "__main__":
    main()
