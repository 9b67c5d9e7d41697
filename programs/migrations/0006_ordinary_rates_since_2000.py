"""The catalog's undated rates go back to 2000-01-01 instead of 2019-01-01.

0002 dated what no article dates (the cards' base rates, the Amex lists' treatments, which the article
shows as they stood on its date but which applied long before, 楽天市場's 1 point per 100 yen)
2019-01-01, to stand for "before anything the family records". A family that logs ten years of
purchases reaches back to 2016, and its first two years then earned nothing, as if the cards had paid
no points before 2019 (the generated benchmark households, ten years back from today, did just that).
2000-01-01 stands for it now. Dates an article gives are not touched, and neither is a row an editor
has dated since to anything but 2019-01-01.
"""

import datetime as dt
import uuid

from django.db import migrations

BEFORE = dt.date(2019, 1, 1)
NOW = dt.date(2000, 1, 1)
UNDATED = ("BaseRate", "MerchantTreatment", "EarningRule")


def move(old: dt.date, new: dt.date):
    def run(apps, schema_editor):
        db = schema_editor.connection.alias
        for name in UNDATED:
            apps.get_model("programs", name).objects.using(db).filter(valid_from=old).update(valid_from=new)
        # Every worker's catalog snapshot is stale now.
        apps.get_model("programs", "CatalogVersion").objects.using(db).update_or_create(
            pk=1, defaults={"token": uuid.uuid4()}
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("programs", "0005_amazon_point_use_rules")]
    operations = [migrations.RunPython(move(BEFORE, NOW), move(NOW, BEFORE))]
