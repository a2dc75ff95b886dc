"""A person's payments on the pages of the register (the case, the referral decision).

The register's admin (``cases``) knows nothing of money; its page templates load these
tags, which read through ``funds.selectors`` with the viewer's scope, as the agreements
reach the case page through ``RELIEF_ADMIN_INLINES``.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from adminkit.scope import in_scope
from core.money import format_yuan
from funds.payment_pages import may_reverse, reverse_url
from funds.permissions import ADD_DISBURSEMENT
from funds.selectors import case_aid_by_year, case_payments, reversal_of

register = template.Library()

# How many of a person's payments the case page lists (newest first) before linking to
# the whole list.
SHOWN_PAYMENTS = 20


@register.inclusion_tag("admin/funds/includes/case_payments.html", takes_context=True)
def case_payments_panel(context, case, shown: int = SHOWN_PAYMENTS):
    user = context["request"].user
    years = case_aid_by_year(case, user)
    payments = list(case_payments(case, user)[: shown + 1])
    changelist = reverse("admin:funds_disbursement_changelist")
    return {
        "case": case,
        "years": [
            {
                "year": y.year,
                "count": y.count,
                "cash": format_yuan(y.cash),
                "goods": format_yuan(y.goods),
                "total": format_yuan(y.total),
            }
            for y in years
        ],
        "payments": [
            {
                "url": reverse("admin:funds_disbursement_change", args=[p.pk]),
                "disbursed_on": p.disbursed_on,
                "kind": p.get_kind_display(),
                "cash": format_yuan(p.cash_amount) if p.cash_amount else "",
                "goods": (
                    f"{p.item} ×{p.quantity}（{format_yuan(p.goods_total)}）" if p.item else ""
                ),
                "fund": p.fund.name if p.fund_id else p.paid_directly_by,
                "campaign": p.campaign.name if p.campaign_id else "",
                "activity": str(p.activity) if p.activity_id else "",
                "paying_unit": p.paying_unit.name,
                "receipt_signed": p.receipt_signed,
                "is_reversed": p.is_reversed,
            }
            for p in payments[:shown]
        ],
        "more": len(payments) > shown,
        "all_url": f"{changelist}?{urlencode({'case__id__exact': case.pk})}",
        "add_url": (
            f"{reverse('admin:funds_disbursement_add')}?{urlencode({'case': case.pk})}"
            if user.has_perm(ADD_DISBURSEMENT)
            else None
        ),
    }


@register.simple_tag(takes_context=True)
def payment_reversal(context, disbursement):
    """For a payment's page: the entry that reversed it (reason, who, when, a link where
    the viewer may see it) and whether the viewer is offered 冲正."""
    user = context["request"].user
    entry = reversal_of(disbursement) if disbursement.is_reversed else None
    poster = entry.posted_by if entry is not None else None
    return {
        "entry": entry,
        # A Chinese name reads family name first (顾粮), without a space.
        "who": (f"{poster.last_name}{poster.first_name}" or poster.get_username())
        if poster is not None
        else "",
        "entry_url": (
            reverse("admin:funds_ledgerentry_change", args=[entry.pk])
            if entry is not None and in_scope(entry, user)
            else None
        ),
        "reverse_url": reverse_url(disbursement) if may_reverse(user, disbursement) else None,
    }
