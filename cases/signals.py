"""Signals cases sends for writes that bypass ``Model.save`` (and so ``post_save``)."""

from django.dispatch import Signal

# Cases' category or 困难类型 may have changed in a set-based write: a case sheet's
# updated rows, a re-evaluation. ``case_ids``: the cases concerned, or None for "any
# case" (a re-evaluation, which changes them in one UPDATE). Sent inside the write's
# transaction; funds keeps its breakdown of 人数 by them right (``funds.aggregates``).
cases_reclassified = Signal()
