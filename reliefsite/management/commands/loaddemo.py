from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from unions.demo import DEMO_USERS

DEFAULT_PASSWORD = "relief2007"


class Command(BaseCommand):
    help = "Load the 2007 Spring Festival demo: unit tree, users and records (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password for the demo users this run creates (default: %(default)s).",
        )

    def handle(self, *args, password, **options):
        def log(message):
            if options["verbosity"] > 1:
                self.stdout.write(f"  + {message}")

        # Each project app that has a demo module adds its records, in the order of
        # INSTALLED_APPS, which is the dependency order unions <- cases <- funds <- pairings.
        with transaction.atomic():
            for config in apps.get_app_configs():
                if config.name in {"unions", "cases", "funds", "pairings", "reports"} and (
                    module_has_submodule(config.module, "demo")
                ):
                    import_module(f"{config.name}.demo").load(password=password, log=log)

        self.stdout.write(self.style.SUCCESS("演示数据已就绪。演示账号（新建账号的密码见下）："))
        for username, last, first, _role, unit in DEMO_USERS:
            self.stdout.write(f"  {username:<16} {last}{first:<6} {unit}")
        self.stdout.write(f"  密码：{password}（仅用于本次新建的账号）")
