"""The admin index's open work for each role, in the user's scope."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.filters import (
    TemporaryFileFilter,
    TransferSideFilter,
    TypeReviewFilter,
    YearlyQueryFilter,
    lapsing_horizon,
)
from cases.models import Case, CaseTransfer, HardshipType, Referral, TransferState
from cases.permissions import VIEW_CASE, VIEW_REFERRAL, VIEW_TRANSFER
from funds.filters import NeverAidedFilter
from funds.selectors import CensusCounts, census_counts
from pairings.filters import EXPIRING_DAYS, ExpiringFilter
from pairings.models import Agreement
from pairings.permissions import VIEW_AGREEMENT
from reports import audit
from reports.permissions import RUN_AUDIT


def dashboard_for(user) -> list[dict]:
    """Cards of (title, count, link); each count is one query in the user's scope."""
    cards = []
    if user.has_perm(VIEW_CASE):
        census = census_counts(user, timezone.localdate())
        cards.append(
            {
                "title": _("Cases awaiting verification"),
                "count": census.pending,
                "url": reverse("admin:cases_case_changelist") + "?status__exact=pending",
            }
        )
        cards += yearly_query_cards(user, census)
        cards += flagged_file_cards(user)

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
    if user.has_perm(VIEW_TRANSFER):
        # 档案转接 addressed to the user's units and not yet decided (the receiving unit's
        # index); the transfers list's own filters as link, so it shows what is counted.
        cards.append(
            {
                "title": _("Incoming file transfers awaiting decision"),
                "count": CaseTransfer.objects.awaiting_decision_by(user).count(),
                "url": reverse("admin:cases_casetransfer_changelist")
                + f"?{TransferSideFilter.parameter_name}=in&state__exact={TransferState.PENDING}",
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


def _case_list(parameter: str, value: str) -> str:
    return reverse("admin:cases_case_changelist") + f"?{parameter}={value}"


def yearly_query_cards(user, census: CensusCounts) -> list[dict]:
    """The yearly queries (FILING.md), the case list's filter as link: 年度复核到期 and
    从未帮扶 from the case census (``census``: a few rows summed, where counting the files
    took 1.6 and 2.8 s at a million), the others each a count on a partial index (cases
    migration 0012)."""
    today = timezone.localdate()
    cases = Case.objects.for_user(user)
    yearly = YearlyQueryFilter.parameter_name
    return [
        {
            "title": _("Follow-up visits due"),
            "count": cases.follow_up_due(today).count(),
            "url": _case_list(yearly, YearlyQueryFilter.FOLLOW_UP_DUE),
        },
        {
            "title": _("Files due for annual review"),
            "count": census.review_due,
            "url": _case_list(yearly, YearlyQueryFilter.REVIEW_DUE),
        },
        {
            "title": _("Files not updated in a year"),
            "count": cases.not_updated_in_a_year(today).count(),
            "url": _case_list(yearly, YearlyQueryFilter.NOT_UPDATED),
        },
        {
            "title": _("Files never aided"),
            "count": census.never_aided,
            "url": _case_list(NeverAidedFilter.parameter_name, NeverAidedFilter.NEVER),
        },
    ]


def flagged_file_cards(user) -> list[dict]:
    """Files a re-evaluation (a new 低保 line) flagged for their unit: every type change
    to review, and those among them that no longer meet any hardship type. The flag's
    partial index answers both."""
    # One query for both: the second is a part of the first, read from the same index.
    counts = (
        Case.objects.for_user(user)
        .type_review_pending()
        .aggregate(
            changed=Count("pk"), lost=Count("pk", filter=Q(hardship_type=HardshipType.NONE))
        )
    )
    review = TypeReviewFilter.parameter_name
    return [
        {
            "title": _("Hardship-type changes to review"),
            "count": counts["changed"],
            "url": _case_list(review, "changed"),
        },
        {
            "title": _("Files that no longer qualify"),
            "count": counts["lost"],
            "url": _case_list(review, "lost"),
        },
    ]
