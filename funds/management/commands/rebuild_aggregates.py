"""Recompute the maintained disbursement aggregates from the raw rows."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from funds import aggregates


class Command(BaseCommand):
    help = (
        "Compare the maintained disbursement aggregates with the raw disbursements, print "
        "every difference, and rewrite them (with --check: only compare, exit 1 on any "
        "difference). Run after loading disbursements by any other way than funds.services."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare only; exit 1 if any differ."
        )

    def handle(self, *args, check: bool = False, **options):
        found = aggregates.differences()
        for difference in found:
            self.stdout.write(str(difference))
        self.stdout.write(f"{len(found)} differences")
        if check:
            if found:
                sys.exit(1)
            return
        aggregates.rebuild()
        self.stdout.write("aggregates rebuilt")
