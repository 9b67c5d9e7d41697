"""Install the initial catalog (RULES.md as data) so a fresh database is complete.

The data lives in `_initial_catalog.py`; this module only turns it into rows, through the historical
models (`apps.get_model`), never `programs.models`, so it keeps working as the models change.
"""

from django.db import migrations

from programs.migrations import _initial_catalog as catalog


def load_catalog(apps, schema_editor):
    db = schema_editor.connection.alias
    Program = apps.get_model("programs", "Program")
    Issuer = apps.get_model("programs", "Issuer")
    Merchant = apps.get_model("programs", "Merchant")
    MerchantAlias = apps.get_model("programs", "MerchantAlias")
    PaymentMethod = apps.get_model("programs", "PaymentMethod")
    Addon = apps.get_model("programs", "Addon")
    BaseRate = apps.get_model("programs", "BaseRate")
    MerchantTreatment = apps.get_model("programs", "MerchantTreatment")
    SpendCap = apps.get_model("programs", "SpendCap")
    EarningRule = apps.get_model("programs", "EarningRule")
    CampaignTier = apps.get_model("programs", "CampaignTier")

    programs = {row["slug"]: Program.objects.using(db).create(**row) for row in catalog.PROGRAMS}
    issuers = {row["slug"]: Issuer.objects.using(db).create(**row) for row in catalog.ISSUERS}

    merchants = {}
    aliases = []
    for category, group in catalog.MERCHANT_GROUPS:
        for name, name_en, names in group:
            merchant = Merchant.objects.using(db).create(name=name, name_en=name_en, category=category)
            merchants[name] = merchant
            aliases += [MerchantAlias(merchant=merchant, alias=alias) for alias in names]
    MerchantAlias.objects.using(db).bulk_create(aliases)

    methods = {}
    for row in catalog.PAYMENT_METHODS:
        row = dict(row)
        charged_as = row.pop("charged_as", None)
        methods[row["slug"]] = PaymentMethod.objects.using(db).create(
            **row | {"issuer": issuers[row["issuer"]], "program": programs[row["program"]]},
            charged_as=merchants[charged_as] if charged_as else None,
        )

    addons = {}
    for row in catalog.ADDONS:
        row = dict(row)
        eligible, free_for = row.pop("eligible_cards"), row.pop("free_for")
        addon = Addon.objects.using(db).create(**row)
        addon.eligible_cards.set([methods[slug] for slug in eligible])
        addon.free_for.set([methods[slug] for slug in free_for])
        addons[addon.slug] = addon

    BaseRate.objects.using(db).bulk_create(
        BaseRate(**{"valid_from": catalog.SINCE_BEFORE_RECORDS, **row, "method": methods[row["method"]]})
        for row in catalog.BASE_RATES
    )

    for spec in catalog.AMEX_TREATMENTS:
        names = spec.get("merchants", []) + [name for group in spec.get("groups", []) for name, _, _ in group]
        note, row_notes = spec.get("note", ""), spec.get("row_notes", {})
        default_from = spec.get("valid_from", catalog.SINCE_BEFORE_RECORDS)
        row_from = spec.get("row_valid_from", {})
        targets = [
            {"merchant": merchants[name], "note": row_notes.get(name, note), "valid_from": row_from.get(name, default_from)}
            for name in names
        ]
        if "category" in spec:
            targets.append({"category": spec["category"], "note": note, "valid_from": default_from})
        for target in targets:
            treatment = MerchantTreatment.objects.using(db).create(
                **target,
                issuer=issuers["amex"],
                treatment=spec["treatment"],
                points=spec.get("points"),
                per_yen=spec.get("per_yen"),
                requires_addon=addons[spec["requires_addon"]] if "requires_addon" in spec else None,
                list_date=catalog.AMEX_LIST_DATE,
                valid_to=spec.get("valid_to"),
                source=catalog.AMEX_LIST_SOURCE,
            )
            treatment.cards.set([methods[slug] for slug in spec.get("cards", [])])

    for row in catalog.SPEND_CAPS:
        row = dict(row)
        cards = row.pop("cards")
        cap = SpendCap.objects.using(db).create(
            **row | {"merchant": merchants[row["merchant"]]}, source=catalog.CAP_SOURCE
        )
        cap.cards.set([methods[slug] for slug in cards])

    for row in catalog.EARNING_RULES:
        row = dict(row)
        rule_merchants, rule_methods = row.pop("merchants", []), row.pop("methods", [])
        tiers = row.pop("tiers", [])
        rule = EarningRule.objects.using(db).create(**row | {"program": programs[row["program"]]})
        rule.merchants.set([merchants[name] for name in rule_merchants])
        rule.methods.set([methods[slug] for slug in rule_methods])
        CampaignTier.objects.using(db).bulk_create(CampaignTier(rule=rule, **tier) for tier in tiers)


def unload_catalog(apps, schema_editor):
    """Delete what load_catalog created, by its keys; rows people added that still point at the
    catalog (PROTECT) make this fail rather than disappear."""
    db = schema_editor.connection.alias

    def model(name):
        return apps.get_model("programs", name).objects.using(db)

    model("EarningRule").filter(slug__in=[row["slug"] for row in catalog.EARNING_RULES]).delete()
    model("SpendCap").filter(name__in=[row["name"] for row in catalog.SPEND_CAPS]).delete()
    addon_slugs = [row["slug"] for row in catalog.ADDONS]
    model("MerchantTreatment").filter(requires_addon__slug__in=addon_slugs).delete()
    model("Addon").filter(slug__in=addon_slugs).delete()
    # Base rates, treatments and caps of the catalog's cards, merchants and issuer go with them.
    model("PaymentMethod").filter(slug__in=[row["slug"] for row in catalog.PAYMENT_METHODS]).delete()
    names = [name for _, group in catalog.MERCHANT_GROUPS for name, _, _ in group]
    model("Merchant").filter(name__in=names).delete()
    model("Issuer").filter(slug__in=[row["slug"] for row in catalog.ISSUERS]).delete()
    model("Program").filter(slug__in=[row["slug"] for row in catalog.PROGRAMS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_catalog, unload_catalog),
    ]
