import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.models import Campaign
from core.replica import replica_reads
from reports.selectors import GROUPINGS, report_summary
from reports.views import report_queryset, summary_csv
from reports.xlsx import workbook_bytes
from unions.models import UnionUnit, User


class Command(BaseCommand):
    help = "Print the relief summary as CSV (or write .xlsx), in the given user's scope."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument("--campaign", help="campaign name")
        parser.add_argument("--from", dest="date_from", help="first date, e.g. 2007-01-01")
        parser.add_argument("--to", dest="date_to", help="last date, e.g. 2007-02-28")
        parser.add_argument("--unit", help="union unit name (and the units below it)")
        parser.add_argument("--by", default="unit", choices=GROUPINGS)
        parser.add_argument("-o", "--output", help="write .xlsx (or .csv) here instead of stdout")

    def handle(self, *args, username, campaign, date_from, date_to, unit, by, output, **opts):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            self.stderr.write(f"用户不存在或已停用：{username}")
            sys.exit(2)
        params = {"date_from": date_from or "", "date_to": date_to or ""}
        if campaign:
            found = Campaign.objects.for_user(user).filter(name=campaign).first()
            if found is None:
                raise CommandError(f"活动不存在或不在您的范围内：{campaign}")
            params["campaign"] = found.pk
        if unit:
            found_unit = UnionUnit.objects.for_user(user).filter(name=unit).first()
            if found_unit is None:
                raise CommandError(f"单位不存在或不在您的范围内：{unit}")
            params["unit"] = found_unit.pk
        filterset = report_queryset(user, params)
        if not filterset.is_valid():
            errors = "；".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            raise CommandError(errors)
        with replica_reads():  # a report may read a replica (reliefsite.routers)
            result = report_summary(filterset, by)
        if output and output.lower().endswith(".xlsx"):
            Path(output).write_bytes(workbook_bytes("统计", result.headers(), result.table()))
        elif output:
            Path(output).write_text(summary_csv(result), encoding="utf-8-sig")
        else:
            self.stdout.write(summary_csv(result), ending="")
