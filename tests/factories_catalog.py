"""Catalog rows and merchant-list files for tests that build a small catalog of their own.

A fresh database holds the whole RULES.md catalog (migration 0002); `clear_catalog` empties it inside
the test's transaction so these tests see exactly the rows they make.
"""

import datetime as dt
from types import SimpleNamespace

import factory
from django.apps import apps
from django.contrib.admin.models import LogEntry

from programs.models import (
    Addon,
    BaseRate,
    CampaignTier,
    EarningRule,
    Issuer,
    Merchant,
    MerchantAlias,
    MerchantCategory,
    MerchantTreatment,
    PaymentMethod,
    Program,
    SpendCap,
)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"program-{n}")
    name = factory.LazyAttribute(lambda p: p.slug)


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"issuer-{n}")
    name = factory.LazyAttribute(lambda i: i.slug)


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"card-{n}")
    name = factory.LazyAttribute(lambda m: m.slug)
    issuer = factory.SubFactory(IssuerFactory)
    program = factory.SubFactory(ProgramFactory)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"店{n}")
    category = MerchantCategory.OTHER

    @factory.post_generation
    def aliases(merchant, create, extracted, **kwargs):
        for alias in extracted or ():
            MerchantAlias.objects.create(merchant=merchant, alias=alias)


class MerchantTreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantTreatment
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    issuer = factory.SubFactory(IssuerFactory)
    treatment = MerchantTreatment.Treatment.HALF
    valid_from = dt.date(2024, 1, 1)
    list_date = dt.date(2024, 12, 25)

    @factory.post_generation
    def cards(treatment, create, extracted, **kwargs):
        if extracted:
            treatment.cards.set(extracted)


def clear_catalog() -> None:
    """Remove every catalog row (dependents first; the test's transaction puts them back)."""
    for model in (
        CampaignTier,
        EarningRule,
        SpendCap,
        MerchantTreatment,
        BaseRate,
        Addon,
        PaymentMethod,
        MerchantAlias,
        Merchant,
        Issuer,
        Program,
    ):
        model.objects.all().delete()


def amex_catalog():
    """Amex with two cards, 東京ガス (half rate, alias Tokyo Gas), NHK (excluded) and 楽天Edy (nothing)."""
    clear_catalog()
    amex = IssuerFactory(slug="amex", name="アメリカン・エキスプレス")
    mr = ProgramFactory(slug="amex-mr", name="メンバーシップ・リワード")
    green = PaymentMethodFactory(slug="amex-green", name="アメリカン・エキスプレス・カード", issuer=amex, program=mr)
    gold = PaymentMethodFactory(slug="amex-gold-preferred", name="ゴールド・プリファード", issuer=amex, program=mr)
    tokyo_gas = MerchantFactory(name="東京ガス", name_en="Tokyo Gas Co.", category="gas", aliases=["Tokyo Gas"])
    nhk = MerchantFactory(name="NHK", category="broadcasting")
    edy = MerchantFactory(name="楽天Edy", category="e_money")
    MerchantTreatmentFactory(merchant=tokyo_gas, issuer=amex, treatment="half")
    MerchantTreatmentFactory(merchant=nhk, issuer=amex, treatment="excluded")
    return SimpleNamespace(amex=amex, green=green, gold=gold, tokyo_gas=tokyo_gas, nhk=nhk, edy=edy)


HEADER = "name,name_en,category,aliases,issuer,treatment,cards,points,per_yen,valid_from,valid_to,list_date"


def csv_file(*rows: str, encoding: str = "utf-8") -> bytes:
    """A merchant-list file with the header and these rows."""
    return "\n".join([HEADER, *rows, ""]).encode(encoding)


def catalog_snapshot() -> dict:
    """Every row of every catalog table (M2M tables included), and the admin log."""
    tables = {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("programs").get_models(include_auto_created=True)
    }
    return {**tables, "log": list(LogEntry.objects.order_by("pk").values())}
