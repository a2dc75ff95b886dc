import factory

from unions.models import Membership, Role, UnionUnit, UnitLevel, User


class UnionUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnionUnit

    name = factory.Sequence(lambda n: f"测试基层工会{n}")
    code = factory.Sequence(lambda n: f"T{n}")
    level = UnitLevel.GRASSROOTS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnionUnitFactory)
    role = Role.CLERK
