"""Funds' answers to changes elsewhere that alter a stored fact about past aid."""

from __future__ import annotations

from cases.models import Case, CaseStatus


def case_saved(sender, instance: Case, update_fields=None, **kwargs) -> None:
    # An exit is recorded with the day the case left hardship, which may be before aid
    # already posted: that aid was paid to a case no longer on file (the audit's rule).
    if instance.status != CaseStatus.EXITED or instance.exited_on is None:
        return
    if update_fields is not None and "exited_on" not in update_fields:
        return
    from funds.services import disbursements_note_exit

    disbursements_note_exit(instance)
