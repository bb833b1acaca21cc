import factory
from django.contrib.auth import get_user_model

from units.models import Membership, Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"DV-{n:03d}")
    name = factory.Sequence(lambda n: f"Vụ Đo lường số {n}")
    name_en = factory.Sequence(lambda n: f"Metrology department {n}")
    kind = UnitKind.DEPARTMENT
    sort_order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = factory.Sequence(lambda n: f"Nguyễn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@tcvn.gov.vn")
    password = factory.django.Password("Secret-Pass-2020")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.STAFF
