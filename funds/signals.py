"""Funds' answers to changes elsewhere that alter a stored fact about past aid."""

from __future__ import annotations

from cases.models import Case, CaseStatus


def case_saved(sender, instance: Case, update_fields=None, created=False, raw=False, **kwargs):
    if (
        not created
        and not raw
        and (update_fields is None or {"category", "hardship_type"} & set(update_fields))
    ):
        # The person rows of aid already paid follow the case's category and type (one
        # indexed read of its few rows when nothing changed).
        from funds import aggregates

        aggregates.reclassify([instance.pk])
    _note_exit(instance, update_fields)


def cases_reclassified(sender, case_ids=None, **kwargs) -> None:
    from funds import aggregates

    aggregates.reclassify(case_ids)


def _note_exit(instance: Case, update_fields) -> None:
    # An exit is recorded with the day the case left hardship, which may be before aid
    # already posted: that aid was paid to a case no longer on file (the audit's rule).
    if instance.status != CaseStatus.EXITED or instance.exited_on is None:
        return
    if update_fields is not None and "exited_on" not in update_fields:
        return
    from funds.services import disbursements_note_exit

    disbursements_note_exit(instance)


def unit_saving(sender, instance, raw=False, **kwargs) -> None:
    # A unit moved under another parent takes its whole tree with it: the person × unit
    # counts of everything paid there leave the units above it now (the paths are still
    # the old ones in the database) and come back under the new ones after the save.
    from unions.models import UnionUnit

    if raw or instance.pk is None:
        return
    old = UnionUnit.objects.filter(pk=instance.pk).values_list("tree_path", flat=True).first()
    if not old or old == instance.tree_path:
        return
    from funds import aggregates
    from funds.models import Disbursement

    pks = list(
        Disbursement.objects.filter(paying_unit__tree_path__startswith=old).values_list(
            "pk", flat=True
        )
    )
    aggregates.add_people(pks, -1, aggregates.unit_chains())
    instance._moved_disbursements = (pks, old, instance.tree_path)


def unit_saved(sender, instance, **kwargs) -> None:
    moved = instance.__dict__.pop("_moved_disbursements", None)
    if moved is None:
        return
    from funds import aggregates
    from unions.models import UnionUnit

    pks, old, new = moved
    # UnionUnit.save rewrites the paths below the unit after this signal: the chains are
    # taken from the paths as they will be.
    paths = {
        pk: new + path[len(old) :] if path.startswith(old) else path
        for pk, path in UnionUnit.objects.values_list("pk", "tree_path")
    }
    aggregates.add_people(pks, 1, aggregates.unit_chains(paths))
