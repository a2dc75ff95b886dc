"""The admin index's open work for each role, in the user's scope."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.filters import TemporaryFileFilter, lapsing_horizon
from cases.models import Case, CaseStatus, Referral
from cases.permissions import VIEW_CASE, VIEW_REFERRAL
from pairings.filters import EXPIRING_DAYS, ExpiringFilter
from pairings.models import Agreement
from pairings.permissions import VIEW_AGREEMENT
from reports import audit
from reports.permissions import RUN_AUDIT


def dashboard_for(user) -> list[dict]:
    """Cards of (title, count, link); each count is one query in the user's scope."""
    cards = []
    if user.has_perm(VIEW_CASE):
        cards.append(
            {
                "title": _("Cases awaiting verification"),
                "count": Case.objects.for_user(user).filter(status=CaseStatus.PENDING).count(),
                "url": reverse("admin:cases_case_changelist") + "?status__exact=pending",
            }
        )
        # 临时救助档案 that lapse soon unless converted (the partial index of temporary files).
        cards.append(
            {
                "title": _("Temporary files lapsing within %(days)d days")
                % {"days": settings.RELIEF_TEMPORARY_WARN_DAYS},
                "count": Case.objects.for_user(user)
                .temporary_lapsing_by(lapsing_horizon())
                .count(),
                "url": reverse("admin:cases_case_changelist")
                + f"?{TemporaryFileFilter.parameter_name}={TemporaryFileFilter.LAPSING}",
            }
        )
    if user.has_perm(VIEW_REFERRAL):
        cards.append(
            {
                "title": _("Referrals awaiting decision"),
                "count": Referral.objects.for_user(user).awaiting_decision().count(),
                "url": reverse("admin:cases_referral_changelist") + "?status__exact=submitted",
            }
        )
    if user.has_perm(VIEW_AGREEMENT):
        cards.append(
            {
                "title": _("Agreements expiring in %(days)d days") % {"days": EXPIRING_DAYS},
                "count": Agreement.objects.for_user(user).expiring_within(EXPIRING_DAYS).count(),
                # The agreement list's own filter, so the list shows what the card counts.
                "url": reverse("admin:pairings_agreement_changelist")
                + f"?{ExpiringFilter.parameter_name}={EXPIRING_DAYS}",
            }
        )
    if user.has_perm(RUN_AUDIT):
        for code in ("inactive", "receipts", "ledgers"):
            rule = audit.RULES_BY_CODE[code]
            cards.append(
                {
                    "title": str(rule.title),
                    "count": sum(audit.counts(rule, user).values()),
                    "url": reverse("admin:reports_audit") + f"?rule={code}",
                }
            )
    return cards
