"""RULES.md §3 (000, as of 2025-11): which partner points can pay on Amazon, as catalog data."""

import datetime as dt

from django.db import migrations

SOURCE = "RULES.md §3, 000_1953c7d0e75faa52.txt (2025年11月時点)"
RULES = [
    {
        "program": "dpoint",
        "refused_item_flags": ["pre_order", "kindle", "digital", "subscribe_save", "prime_fee"],
        "usable_kinds": [],
        "note": "dポイントは予約商品、デジタルコンテンツ（Kindle・Prime Video）、定期おトク便、プライム会費の支払いに使えない。",
    },
    {
        "program": "recruit",
        "refused_item_flags": [],
        "usable_kinds": ["normal"],
        "note": (
            "使えるのは通常のリクルートポイントのみ。期間限定ポイント、サイト限定ポイント（じゃらん限定など）、"
            "リクルートIDに連携したPontaやdポイント、Ponta・dポイントから交換したポイントは使えない。"
        ),
    },
]


def load(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    Merchant = apps.get_model("programs", "Merchant")
    PointUseRule = apps.get_model("programs", "PointUseRule")
    amazon = Merchant.objects.get(name="Amazon")
    for row in RULES:
        rule = PointUseRule.objects.create(
            program=Program.objects.get(slug=row["program"]),
            refused_item_flags=row["refused_item_flags"],
            usable_kinds=row["usable_kinds"],
            valid_from=dt.date(2025, 11, 1),
            source=SOURCE,
            note=row["note"],
        )
        rule.merchants.add(amazon)


def unload(apps, schema_editor):
    apps.get_model("programs", "PointUseRule").objects.filter(source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_pointuserule")]
    operations = [migrations.RunPython(load, unload)]
