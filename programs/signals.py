from django.db.models.signals import m2m_changed, post_delete, post_save

from . import models as m

CATALOG_MODELS = [
    m.Program,
    m.Issuer,
    m.PaymentMethod,
    m.Merchant,
    m.MerchantAlias,
    m.Addon,
    m.BaseRate,
    m.MerchantTreatment,
    m.SpendCap,
    m.EarningRule,
    m.CampaignTier,
]


def catalog_changed(**kwargs) -> None:
    m.CatalogVersion.renew()


def connect() -> None:
    for model in CATALOG_MODELS:
        post_save.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-save-{model.__name__}")
        post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-delete-{model.__name__}")
        for f in model._meta.many_to_many:
            m2m_changed.connect(catalog_changed, sender=f.remote_field.through, dispatch_uid=f"catalog-m2m-{f}")
