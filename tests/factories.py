import factory
from django.contrib.auth import get_user_model

from households.models import Household, Member, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"家{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"member{n}")
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class LinkedAccountFactory(factory.django.DjangoModelFactory):
    """An account in a seeded programme: `LinkedAccountFactory(member=..., program="rakuten")`."""

    class Meta:
        model = "wallets.LinkedAccount"

    member = factory.SubFactory(MemberFactory)
    program = "rakuten"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from programs.models import Program

        if isinstance(kwargs.get("program"), str):
            kwargs["program"] = Program.objects.get(slug=kwargs["program"])
        return super()._create(model_class, *args, **kwargs)


class HeldCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wallets.HeldCard"
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    method = "amex-green"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from programs.models import PaymentMethod

        if isinstance(kwargs.get("method"), str):
            kwargs["method"] = PaymentMethod.objects.get(slug=kwargs["method"])
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def addons(card, create, extracted, **kwargs):
        from programs.models import Addon

        if extracted:
            card.addons.set(Addon.objects.filter(slug__in=extracted))
