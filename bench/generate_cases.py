"""Generate N realistic hardship cases for the benchmarks (bench.run, bench.load).

    DEBUG=1 .venv/bin/python -m bench.generate_cases --cases 100000 [--reset]

``--cases N`` makes the database hold N generated cases: it tops up from what an
earlier run left (each case ``i`` is drawn from its own seeded generator, so 100k then
1M gives the same rows as 1M at once); ``--reset`` deletes the generated cases first.
The demo tree and users (``unions.demo``) are created when missing.

The rows go in with ``bulk_create`` in batches, one transaction per batch. That skips
``Case.save()``, so gender and birth date are derived here, and it writes no
django-simple-history rows (bulk data has no "who changed what" to record; the history
tables stay as they were). Generated cases carry ``notes`` starting with ``[bench]``,
which is how they are counted and deleted.

Without ``DATABASE_URL`` the script uses ``bench/data/bench.sqlite3`` (gitignored),
never the development database; it refuses any database whose name does not contain
"bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from bench import harness
from bench.harness import DEMO_PASSWORD, check_database

DEFAULT_DATABASE_URL = f"sqlite:///{harness.DATA_DIR / 'bench.sqlite3'}"

MARKER = "[bench]"
DEFAULT_SEED = 20260101
DEFAULT_BATCH = 5000

# Region code (first six ID digits) by district code; 工投 is a city-wide system union.
REGION_BY_DISTRICT = {"KS": "320583", "WZ": "320506", "JC": "320504", "GT": "320500"}
# Share of the register per unit code (towns carry less than their district office).
UNIT_WEIGHTS = {
    "KS": 14, "KS-ZP": 8, "KS-LJ": 8, "KS-BC": 8,
    "WZ": 12, "WZ-MD": 7, "WZ-XK": 6, "WZ-LZ": 6, "WZ-GX": 6,
    "JC": 13, "GT": 12,
}  # fmt: skip
PLACES = {
    "KS": ["昆山市玉山镇", "昆山市周市镇", "昆山市花桥镇", "昆山市开发区"],
    "KS-ZP": ["昆山市张浦镇"],
    "KS-LJ": ["昆山市陆家镇"],
    "KS-BC": ["昆山市巴城镇"],
    "WZ": ["吴中区长桥街道", "吴中区横泾街道", "吴中区临湖镇", "吴中区光福镇"],
    "WZ-MD": ["吴中区木渎镇"],
    "WZ-XK": ["吴中区胥口镇"],
    "WZ-LZ": ["吴中区甪直镇"],
    "WZ-GX": ["吴中区郭巷街道"],
    "JC": ["金阊区石路街道", "金阊区彩香街道", "金阊区留园街道", "金阊区虎丘街道"],
    "GT": ["姑苏区", "吴中区", "相城区", "工业园区"],
}
# fmt: off
ROADS = "人民路 前进路 亭林路 长江路 黄河路 东方路 中山路 友谊路 建设路 新华路 园林路".split()  # noqa: SIM905
EMPLOYERS = (  # noqa: SIM905
    "纺织厂 丝绸厂 机械厂 电子公司 化工厂 建材公司 食品厂 服装厂 物流公司 环卫所 "
    "印染厂 五金厂 塑料制品厂 商贸公司 物业公司"
).split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = (  # noqa: SIM905
    "建国 建华 志强 国平 卫东 德明 永林 伟民 荣生 福林 兴华 文彬 金根 根宝 海军 国强 建平 "
    "明华 玉林 春生 小龙 志刚 建军 勇 伟 军 强 斌 峰 涛 磊 杰 浩 鹏 俊 斌斌 家豪 宇航 子轩"
).split()
GIVEN_FEMALE = (  # noqa: SIM905
    "秀英 桂英 海燕 玉兰 红梅 春华 美芳 雪琴 素珍 惠芬 凤英 杏娣 丽萍 梅芳 金娣 小妹 建英 "
    "月娥 桂芳 秀兰 芳 静 敏 燕 丽 娟 霞 琳 婷 雪 慧 晓红 佳怡 欣怡 雨涵"
).split()
MOBILE_PREFIXES = "133 135 136 137 138 139 150 151 152 158 159 180 186 187 188".split()  # noqa: SIM905
# fmt: on

# (code, weight, birth years) — retirees are older, migrant workers younger.
CATEGORIES = [
    ("hardship_worker", 38, (1955, 1995)),
    ("extreme_hardship", 9, (1950, 1990)),
    ("model_worker", 3, (1945, 1975)),
    ("union_cadre", 3, (1955, 1985)),
    ("retiree", 16, (1936, 1965)),
    ("migrant", 14, (1965, 2003)),
    ("veteran", 5, (1945, 1990)),
    ("disabled_veteran", 3, (1945, 1990)),
    ("subsistence", 9, (1945, 1995)),
]
CATEGORY_CODES = [c[0] for c in CATEGORIES]
CATEGORY_WEIGHTS = [c[1] for c in CATEGORIES]
# Mostly on file; long-term aid and exits are the minority.
STATUSES = ["verified", "pending", "long_term", "exited"]
STATUS_WEIGHTS = [72, 6, 7, 15]
EXIT_REASONS = ["家庭收入提高，已脱困", "重新就业", "迁出本市", "本人去世", "子女就业，家庭脱困"]
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5, 6, 7]
HOUSEHOLD_WEIGHTS = [12, 25, 30, 18, 9, 4, 2]

FIRST_REGISTRATION = date(2005, 1, 1)


def bootstrap() -> None:
    """Configure Django for the benchmark database (idempotent)."""
    harness.setup_django(DEFAULT_DATABASE_URL)


def ensure_schema_and_demo(log=print) -> None:
    from django.core.management import call_command

    from unions import demo

    call_command("migrate", interactive=False, verbosity=0)
    demo.load(password=DEMO_PASSWORD, log=lambda message: log(f"  + {message}"))


def generated_cases():
    from cases.models import Case

    return Case.objects.filter(notes__startswith=MARKER)


def reset(log=print) -> None:
    """Delete every generated case and its cause links (not the demo's cases)."""
    from django.db import connection, transaction

    from cases.models import Case

    case_table = connection.ops.quote_name(Case._meta.db_table)
    through_table = connection.ops.quote_name(Case.causes.through._meta.db_table)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        deleted = None
        if (
            connection.vendor == "postgresql"
            and not Case.objects.exclude(notes__startswith=MARKER).exists()
        ):
            deleted = _truncate(cursor, Case._meta.db_table, through_table)
        if deleted is None:
            cursor.execute(
                f"DELETE FROM {through_table} WHERE case_id IN "
                f"(SELECT id FROM {case_table} WHERE notes LIKE %s)",
                [MARKER + "%"],
            )
            cursor.execute(f"DELETE FROM {case_table} WHERE notes LIKE %s", [MARKER + "%"])
            deleted = cursor.rowcount
    log(f"reset: deleted {deleted:,} generated cases in {time.perf_counter() - started:.1f} s")


def _truncate(cursor, case_table: str, through_table: str) -> int | None:
    """TRUNCATE the cases when they are all generated and nothing else refers to them.

    The tables that reference cases (reviews, referrals, visits, ...) are truncated
    along only when they are empty, and without CASCADE: should any other table refer
    to them, PostgreSQL refuses and ``None`` sends the caller to DELETE instead.
    """
    from django.db import DatabaseError, transaction

    cursor.execute(
        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = %s::regclass",
        [case_table],
    )
    referencing = [row[0] for row in cursor.fetchall()]
    for table in referencing:
        if table == through_table.strip('"'):
            continue
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        if cursor.fetchone()[0]:
            return None
    cursor.execute(f"SELECT count(*) FROM {case_table}")
    count = cursor.fetchone()[0]
    try:
        with transaction.atomic():
            cursor.execute(f"TRUNCATE {', '.join([*referencing, case_table])}")
    except DatabaseError:
        return None
    return count


class CaseBuilder:
    """Builds unsaved Case rows; row ``i`` depends only on the seed and ``i``."""

    def __init__(self, seed: int, today: date) -> None:
        from cases.models import Cause
        from unions.models import Role, UnionUnit, UnitLevel

        self.seed = seed
        self.today = today
        self.year_start = date(today.year, 1, 1)
        units = list(
            UnionUnit.objects.filter(
                level__in=[UnitLevel.DISTRICT, UnitLevel.TOWN, UnitLevel.SYSTEM]
            ).order_by("tree_path")
        )
        if not units:
            raise SystemExit("No district or town units: the demo tree did not load.")
        by_pk = {u.pk: u for u in UnionUnit.objects.all()}
        # The approver (负责人) of each district verifies its towns' cases too.
        heads = {}
        for unit in units:
            district = unit.district() or unit
            heads[unit.pk] = (
                district.memberships.filter(role=Role.APPROVER)
                .values_list("user_id", flat=True)
                .first()
            )
        self.units = units
        self.unit_weights = [UNIT_WEIGHTS.get(u.code, 5) for u in units]
        self.region = {u.pk: self._region_for(u, by_pk) for u in units}
        self.places = {u.pk: PLACES.get(u.code, [u.name.removesuffix("工会")]) for u in units}
        self.heads = heads
        self.cause_ids = list(Cause.objects.values_list("pk", flat=True))
        self.category_birth_years = {code: years for code, _w, years in CATEGORIES}

    @staticmethod
    def _region_for(unit, by_pk) -> str:
        district_code = unit.code.split("-")[0]
        if district_code in REGION_BY_DISTRICT:
            return REGION_BY_DISTRICT[district_code]
        node = unit
        while node is not None:
            if node.region_code:
                return node.region_code
            node = by_pk.get(node.parent_id)
        return "320500"

    def _date_between(self, rng: random.Random, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=rng.randrange((last - first).days + 1))

    def _rng(self, i: int) -> random.Random:
        return random.Random(self.seed * 100_000_007 + i)

    def _identity(self, rng: random.Random, *, seen: set[str] | None = None, redraws: int = 0):
        """Unit, category, sex and a unique ID number: the first draws of row ``i``.

        With ``seen``, an ID number already taken is redrawn until it is new; without it,
        exactly ``redraws`` redraws are made, which replays what the reservation did.
        """
        from cases.idnumbers import random_id_number

        unit = rng.choices(self.units, self.unit_weights)[0]
        category = rng.choices(CATEGORY_CODES, CATEGORY_WEIGHTS)[0]
        first_year, last_year = self.category_birth_years[category]
        sex = rng.choice("MF")
        birth = self._date_between(rng, date(first_year, 1, 1), date(last_year, 12, 31))
        region = self.region[unit.pk]
        id_number = random_id_number(rng, region=region, birth=birth, gender=sex)
        made = 0
        while (id_number in seen) if seen is not None else made < redraws:
            id_number = random_id_number(rng, region=region, gender=sex)
            made += 1
        return unit, category, sex, id_number, made

    def reserve(self, i: int, seen: set[str]) -> int:
        """Draw row ``i``'s ID number, add it to ``seen``; the number of redraws it took."""
        *_rest, id_number, redraws = self._identity(self._rng(i), seen=seen)
        seen.add(id_number)
        return redraws

    def build(self, i: int, redraws: int):
        """Case number ``i`` (its ID number reserved with ``redraws``) and its cause pks."""
        from cases.idnumbers import birth_date_from_id, gender_from_id
        from cases.models import Case

        rng = self._rng(i)
        today = self.today
        unit, category, sex, id_number, _made = self._identity(rng, redraws=redraws)
        birth = birth_date_from_id(id_number)

        given = rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        adult = date(birth.year + 18, birth.month, min(birth.day, 28))
        if status == "pending":
            # Waiting for an approver: registered in the last few months.
            registered_on = today - timedelta(days=rng.randrange(120))
        else:
            registered_on = self._date_between(rng, max(FIRST_REGISTRATION, adult), today)
        verified_on = verified_by = None
        if status != "pending":
            verified_on = min(registered_on + timedelta(days=rng.randrange(3, 60)), today)
            verified_by = self.heads[unit.pk]
        last_reviewed_on = None
        if status in ("verified", "long_term") and registered_on < self.year_start:
            roll = rng.random()
            if roll < 0.55:  # reviewed this year
                last_reviewed_on = self._date_between(rng, self.year_start, today)
            elif roll < 0.85:  # last year's review is the latest
                last_reviewed_on = self._date_between(
                    rng,
                    max(registered_on, date(today.year - 1, 1, 1)),
                    date(today.year - 1, 12, 31),
                )
            # else: never reviewed (an audit finding)
        exited_on, exit_reason = None, ""
        if status == "exited":
            exited_on = self._date_between(rng, verified_on, today)
            exit_reason = rng.choice(EXIT_REASONS)
        certificate = {}
        if status == "long_term":
            valid_from = self._date_between(rng, verified_on, today)
            certificate = {
                "certificate_number": f"苏工救字{valid_from.year}第{i % 100_000:05d}号",
                "certificate_valid_from": valid_from,
                "certificate_valid_until": date(valid_from.year + 2, 12, 31),
            }
        phone_roll = rng.random()
        if phone_roll < 0.85:
            phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        elif phone_roll < 0.95:
            phone = f"0512-{rng.randrange(5_000_000, 7_000_000)}"
        else:
            phone = ""
        if category == "retiree":
            employer = "已退休"
        elif rng.random() < 0.12:
            employer = rng.choice(["待业", "灵活就业", "企业已关停"])
        else:
            employer = f"某{rng.choice(EMPLOYERS)}"
        extra = []
        if rng.random() < 0.06:
            extra = [rng.choice([c for c in CATEGORY_CODES if c != category])]
        income = None
        if rng.random() < 0.97:
            income = Decimal(rng.randrange(0, 160_000)).scaleb(-2)  # 0.00 – 1,599.99 yuan
        case = Case(
            name=rng.choice(SURNAMES) + given,
            id_number=id_number,
            gender=gender_from_id(id_number),
            birth_date=birth_date_from_id(id_number),
            phone=phone,
            address=(
                f"{rng.choice(self.places[unit.pk])}{rng.choice(ROADS)}{rng.randrange(1, 400)}号"
                f"{rng.randrange(1, 30)}幢{rng.randrange(1, 7)}0{rng.randrange(1, 5)}室"
            ),
            employer=employer,
            unit_id=unit.pk,
            category=category,
            extra_categories=extra,
            household_size=rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0],
            monthly_income_per_capita=income,
            status=status,
            registered_on=registered_on,
            verified_on=verified_on,
            verified_by_id=verified_by,
            exited_on=exited_on,
            exit_reason=exit_reason,
            last_reviewed_on=last_reviewed_on,
            notes=f"{MARKER} #{i}",
            **certificate,
        )
        causes = []
        if self.cause_ids and rng.random() < 0.6:
            causes = rng.sample(self.cause_ids, 1 if rng.random() < 0.7 else 2)
        return case, causes


def generate(
    target: int,
    *,
    reset_first: bool = False,
    seed: int = DEFAULT_SEED,
    batch_size: int = DEFAULT_BATCH,
    jobs: int | None = None,
    log=print,
) -> dict:
    """Make the database hold ``target`` generated cases; returns counts and the rate."""
    from django.test.utils import override_settings

    # With DEBUG on every 5,000-row INSERT would be kept as text in connection.queries.
    with override_settings(DEBUG=False):
        return _generate(target, reset_first, seed, batch_size, jobs, log)


def _present_indices() -> set[int]:
    """The row numbers ``i`` of the generated cases in the database."""
    notes = generated_cases().values_list("notes", flat=True).iterator(chunk_size=20_000)
    return {int(text.rpartition("#")[2]) for text in notes}


# Set in the parent before the worker processes are forked, so they inherit it.
_FACTORY: CaseBuilder | None = None


def _insert(task: tuple[list[int], list[int]]) -> int:
    """Build and insert one batch (rows ``indices``) in one transaction."""
    from django.db import transaction

    from cases.models import Case

    indices, redraws = task
    built = [_FACTORY.build(i, r) for i, r in zip(indices, redraws, strict=True)]
    through = Case.causes.through
    with transaction.atomic():
        # bulk_create sets the pks (RETURNING, on PostgreSQL and SQLite alike).
        Case.objects.bulk_create([case for case, _causes in built], batch_size=len(built))
        links = [
            through(case_id=case.pk, cause_id=cause_id)
            for case, causes in built
            for cause_id in causes
        ]
        through.objects.bulk_create(links, batch_size=2 * len(built))
    return len(built)


def _generate(
    target: int, reset_first: bool, seed: int, batch_size: int, jobs: int | None, log
) -> dict:
    global _FACTORY
    from django.utils import timezone

    from cases.models import Case

    ensure_schema_and_demo(log)
    if reset_first:
        reset(log)
    present = _present_indices()
    result = {"target": target, "existing": len(present), "created": 0, "seconds": 0.0}
    missing = [i for i in range(target) if i not in present]
    if not missing:
        log(f"{len(present):,} generated cases present (target {target:,}): nothing to do")
        return result
    jobs = harness.default_jobs(jobs)

    started = time.perf_counter()
    seen = set(Case.objects.values_list("id_number", flat=True).iterator(chunk_size=20_000))
    _FACTORY = CaseBuilder(seed, timezone.localdate())
    log(
        f"generating {len(missing):,} cases (#{missing[0]:,}..#{missing[-1]:,}) in batches "
        f"of {batch_size:,}, {jobs} process(es); {len(seen):,} ID numbers in use, "
        f"loaded in {time.perf_counter() - started:.1f} s"
    )

    def tasks():
        # ID numbers are reserved here, in order, so they are unique across processes
        # and row i comes out the same whatever the batches and processes.
        for start in range(0, len(missing), batch_size):
            indices = missing[start : start + batch_size]
            yield indices, [_FACTORY.reserve(i, seen) for i in indices]

    progress = harness.Progress(len(present), target, "cases", log)
    for count in harness.pooled(_insert, tasks(), jobs):
        progress(count)
    elapsed = progress.elapsed()
    result.update(created=len(missing), seconds=elapsed)
    log(
        f"created {len(missing):,} cases in {elapsed:.1f} s ({len(missing) / elapsed:,.0f} rows/s)"
    )
    return result


def analyze(log=print) -> None:
    """Fresh planner statistics (and, on PostgreSQL, a vacuumed visibility map)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) cases_case")
            cursor.execute("VACUUM (ANALYZE) cases_case_causes")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    log(f"ANALYZE done in {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="generated cases to hold")
    parser.add_argument("--reset", action="store_true", help="delete generated cases first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
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
    result = generate(
        args.cases,
        reset_first=args.reset,
        seed=args.seed,
        batch_size=args.batch_size,
        jobs=args.jobs,
    )
    if result["created"] and not args.no_analyze:
        analyze()


if __name__ == "__main__":
    main()
