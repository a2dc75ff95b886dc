"""Re-evaluate 困难类型 under the 低保 lines in force today (for cron: a line saved with a
future date takes effect on that day; and after data loaded around the services)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.services import cases_reevaluate
from unions.models import UnionUnit, UnitLevel


class Command(BaseCommand):
    help = "按当日执行的低保标准重新测算各区县工会所有档案的困难类型。"

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="只测算这个区县级工会（名称或代码）")
        parser.add_argument("--date", help="按这一天执行的标准测算（默认今天，YYYY-MM-DD）")

    def handle(self, *args, unit=None, date=None, **options):
        try:
            on = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from error
        units = UnionUnit.objects.filter(level__in=[UnitLevel.DISTRICT, UnitLevel.SYSTEM])
        if unit:
            units = units.filter(name=unit) | units.filter(code=unit)
            if not units.exists():
                raise CommandError(f"没有这个区县级工会：{unit}")
        for district in units.order_by("tree_path"):
            run = cases_reevaluate(unit=district, on=on, statement_timeout="0")
            self.stdout.write(
                f"{district.name}：困难类型变化 {run.changed} 份，"
                f"其中不再符合 {run.no_longer_qualify} 份（{run.seconds:.1f} 秒）"
            )
