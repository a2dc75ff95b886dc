import datetime
import random

import factory

from cases.idnumbers import random_id_number
from cases.models import (
    Activity,
    ActivityKind,
    Campaign,
    Case,
    Category,
    HouseholdMember,
    Relation,
)

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
