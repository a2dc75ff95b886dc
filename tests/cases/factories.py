import datetime
import random

import factory

from cases.idnumbers import random_id_number
from cases.models import (
    Activity,
    ActivityKind,
    Campaign,
    Case,
    CaseStatus,
    Category,
    HouseholdMember,
    Relation,
)
from unions.models import Membership, Role

_rng = random.Random(2007)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    name = factory.Sequence(lambda n: f"困难职工{n}")
    id_number = factory.LazyFunction(lambda: random_id_number(_rng))
    category = Category.HARDSHIP_WORKER
    household_size = 3
    registered_on = datetime.date(2006, 12, 1)
    # unit: pass one from the `units` fixture, e.g. CaseFactory(unit=units["张浦镇工会"])

    class Params:
        # The states the services in cases/services.py produce, with the fields each
        # transition sets: CaseFactory(verified=True), (long_term=True), (exited=True).
        verified = factory.Trait(
            status=CaseStatus.VERIFIED,
            verified_on=datetime.date(2007, 1, 5),
            verified_by=factory.LazyAttribute(lambda case: approver_of(case.unit)),
        )
        long_term = factory.Trait(
            verified=True,
            status=CaseStatus.LONG_TERM,
            certificate_number=factory.Sequence(lambda n: f"SZ-JZ-{n:05d}"),
            certificate_valid_from=datetime.date(2007, 2, 1),
            certificate_valid_until=datetime.date(2009, 1, 31),
        )
        exited = factory.Trait(
            verified=True,
            status=CaseStatus.EXITED,
            exited_on=datetime.date(2024, 3, 1),
            exit_reason="再就业",
        )


def approver_of(unit):
    """The approver who verifies a case of ``unit``: the nearest one at or above it
    (case_verify requires one there), or None when the tree has no users."""
    memberships = Membership.objects.filter(role=Role.APPROVER).select_related("user", "unit")
    above = [m for m in memberships if unit.tree_path.startswith(m.unit.tree_path)]
    if not above:
        return None
    return max(above, key=lambda m: len(m.unit.tree_path)).user


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    case = factory.SubFactory(CaseFactory)
    relation = Relation.CHILD
    name = factory.Sequence(lambda n: f"子女{n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"{2007 + n}年春节送温暖")
    starts_on = datetime.date(2007, 1, 1)
    ends_on = datetime.date(2007, 2, 28)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    campaign = factory.SubFactory(CampaignFactory)
    kind = ActivityKind.VISIT
    title = factory.Sequence(lambda n: f"走访慰问第{n}路")
    held_on = datetime.date(2007, 2, 1)
