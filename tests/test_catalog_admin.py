"""The catalog admin: finding merchants, dated rules, CSV import/export and the history of changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Household
from programs.models import BaseRate, Merchant, MerchantTreatment

from .factories import UserFactory
from .factories_catalog import (
    HEADER,
    MerchantFactory,
    MerchantTreatmentFactory,
    amex_catalog,
    catalog_snapshot,
    csv_file,
)

CHANGELIST = reverse("admin:programs_merchant_changelist")
IMPORT = reverse("admin:programs_merchant_import")
PREVIEW = reverse("admin:programs_merchant_import_preview")
EXPORT = reverse("admin:programs_merchant_export")
CHANGES = reverse("admin:admin_logentry_changelist")


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


@pytest.fixture
def catalog(db):
    return amex_catalog()


def names(response) -> list[str]:
    return [str(obj) for obj in response.context["cl"].result_list]


def upload(client, content: bytes, name: str = "merchants.csv"):
    """Upload a file and follow to its preview."""
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, "text/csv")}, follow=True)


def staff_with(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="programs", codename__in=codenames))
    return user


def test_the_admin_configuration_passes_djangos_checks(db):
    call_command("check", "--fail-level", "WARNING")


def test_search_finds_a_merchant_by_its_alias(admin_client, catalog):
    response = admin_client.get(CHANGELIST, {"q": "Tokyo Gas"})

    assert names(response) == ["東京ガス"]


def test_the_treatment_filter_lists_half_rate_merchants_only(admin_client, catalog):
    osaka = MerchantFactory(name="大阪ガス", category="gas")
    MerchantTreatmentFactory(merchant=osaka, issuer=catalog.amex, treatment="half")
    was_half = MerchantFactory(name="au PAY 残高", category="e_money")
    MerchantTreatmentFactory(merchant=was_half, issuer=catalog.amex, treatment="half", valid_to=dt.date(2025, 3, 31))
    MerchantTreatmentFactory(
        merchant=was_half, issuer=catalog.amex, treatment="excluded", valid_from=dt.date(2025, 4, 1)
    )

    assert names(admin_client.get(CHANGELIST, {"treatment": "half"})) == ["大阪ガス", "東京ガス"]
    assert names(admin_client.get(CHANGELIST, {"treatment": "excluded"})) == ["NHK", "au PAY 残高"]
    assert names(admin_client.get(CHANGELIST, {"treatment": "none"})) == ["楽天Edy"]


def test_the_merchant_list_takes_the_same_queries_however_many_merchants(admin_client, catalog):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(captured)

    few = queries()
    for n in range(20):
        MerchantFactory(name=f"店{n}", aliases=[f"shop {n}", f"ﾐｾ{n}"])
    assert queries() == few


def test_the_valid_today_filter_on_rules(admin_client, catalog):
    old = catalog.tokyo_gas.treatments.get()
    old.valid_to = dt.date(2025, 3, 31)
    old.save()
    url = reverse("admin:programs_merchanttreatment_changelist")

    assert names(admin_client.get(url, {"valid_today": "yes"})) == ["amex · NHK · excluded"]
    assert names(admin_client.get(url, {"valid_today": "no"})) == ["amex · 東京ガス · half"]


def test_a_rule_cannot_end_before_it_starts(admin_client, catalog):
    response = admin_client.post(
        reverse("admin:programs_baserate_add"),
        {
            "method": catalog.green.pk,
            "channel": "any",
            "points": 1,
            "per_yen": 100,
            "rounding": "per_unit",
            "available_after_days": 0,
            "valid_from": "2025-04-01",
            "valid_to": "2025-03-31",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["valid_to"] == ["最終日を開始日より前にすることはできません。"]
    assert not BaseRate.objects.exists()


def test_a_merchant_page_shows_its_aliases_and_dated_treatments(admin_client, catalog):
    response = admin_client.get(reverse("admin:programs_merchant_change", args=[catalog.tokyo_gas.pk]))

    aliases, treatments = response.context["inline_admin_formsets"]
    assert [form.instance.alias for form in aliases.formset.initial_forms] == ["Tokyo Gas"]
    assert [(form.instance.treatment, form.instance.valid_from) for form in treatments.formset.initial_forms] == [
        ("half", dt.date(2024, 1, 1))
    ]
    assert list(treatments.formset.form.base_fields) == [
        "issuer",
        "cards",
        "treatment",
        "points",
        "per_yen",
        "requires_addon",
        "valid_from",
        "valid_to",
        "list_date",
    ]


def test_a_bad_file_is_refused_with_line_numbers_and_changes_nothing(admin_client, catalog):
    before = catalog_snapshot()
    content = csv_file(
        "大阪ガス,,gas,,amex,half,,,,2024-01-01,,2024-12-25",
        "広島ガス,,gass,,,,,,,,,",
        "西部ガス,,gas,,amex,half,,,,2024-13-01,,2024-12-25",
        "大阪ガス,,gas,,,,,,,,,",
    )

    response = upload(admin_client, content)

    assert [error.line for error in response.context["preview"].errors] == [3, 4, 5]
    page = response.text
    assert "ファイルに3件のエラーがあります" in page
    assert "不明なカテゴリ「gass」" in page
    assert 'name="fingerprint"' not in page
    admin_client.post(PREVIEW, {"fingerprint": response.context["preview"].fingerprint()})
    assert catalog_snapshot() == before


def test_a_good_file_is_previewed_then_applied(admin_client, catalog, admin_user):
    content = csv_file(
        "大阪ガス,Osaka Gas,gas,ｵｵｻｶｶﾞｽ,amex,half,,,,2024-01-01,,2024-12-25",
        "東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,excluded,,,,2025-04-01,,2025-03-15",
        "NHK,,broadcasting,,amex,excluded,,,,2024-01-01,,2024-12-25",
    )

    preview = upload(admin_client, content)

    assert preview.redirect_chain == [(PREVIEW, 302)]
    assert [(a.line, a.kind) for a in preview.context["preview"].actions] == [
        (2, "create_merchant"),
        (2, "add_treatment"),
        (3, "close_treatment"),
        (3, "add_treatment"),
    ]
    assert "ファイル内の1件の加盟店は変更ありません。" in preview.text
    assert not Merchant.objects.filter(name="大阪ガス").exists()

    applied = admin_client.post(PREVIEW, {"fingerprint": preview.context["preview"].fingerprint()}, follow=True)

    assert applied.redirect_chain == [(CHANGELIST, 302)]
    assert [str(m) for m in applied.context["messages"]] == [
        "CSVインポートを適用しました。加盟店　作成：1件、変更：0件。還元区分　追加：2件、終了：1件、日付変更：0件。"
    ]
    assert Merchant.objects.get(name="大阪ガス").treatments.get().treatment == "half"
    assert [(t.treatment, t.valid_from, t.valid_to) for t in catalog.tokyo_gas.treatments.order_by("valid_from")] == [
        ("half", dt.date(2024, 1, 1), dt.date(2025, 3, 31)),
        ("excluded", dt.date(2025, 4, 1), None),
    ]
    assert [(e.object_repr, e.action_flag, e.user) for e in LogEntry.objects.order_by("object_repr")] == [
        ("大阪ガス", ADDITION, admin_user),
        ("東京ガス", CHANGE, admin_user),
    ]
    assert admin_client.get(PREVIEW).status_code == 302  # the upload is gone from the session


def test_applying_checks_the_file_again_against_the_catalog_as_it_is_now(admin_client, catalog):
    preview = upload(admin_client, csv_file("大阪ガス,Osaka Gas,gas,,,,,,,,,"))
    fingerprint = preview.context["preview"].fingerprint()
    MerchantFactory(name="大阪ガス", name_en="", category="gas")  # someone else adds it meanwhile

    response = admin_client.post(PREVIEW, {"fingerprint": fingerprint})

    assert response.status_code == 200
    assert [a.kind for a in response.context["preview"].actions] == ["update_merchant"]
    assert Merchant.objects.get(name="大阪ガス").name_en == ""
    assert not LogEntry.objects.exists()


def test_a_shift_jis_file_imports(admin_client, catalog):
    content = csv_file(
        "東京電力エナジーパートナー,,electricity,東京電力,amex,half,,,,2024-01-01,,2024-12-25", encoding="cp932"
    )

    preview = upload(admin_client, content, "東京電力.csv")
    admin_client.post(PREVIEW, {"fingerprint": preview.context["preview"].fingerprint()})

    assert Merchant.objects.get(name="東京電力エナジーパートナー").aliases.get().alias == "東京電力"


def test_an_exported_file_imports_with_no_changes(admin_client, catalog):
    exported = admin_client.get(EXPORT)

    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.content.startswith("\ufeff".encode())
    preview = upload(admin_client, exported.content)
    assert not preview.context["preview"].has_changes
    assert "変更はありません" in preview.text
    assert 'name="fingerprint"' not in preview.text


def test_export_follows_the_changelist_search_and_the_selection(admin_client, catalog):
    searched = admin_client.get(EXPORT, {"q": "Tokyo"}).content.decode("utf-8-sig").splitlines()
    selected = admin_client.post(
        CHANGELIST, {"action": "export_selected", "_selected_action": [catalog.nhk.pk, catalog.edy.pk]}
    )

    assert searched == [HEADER, "東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,half,,,,2024-01-01,,2024-12-25"]
    assert selected.content.decode("utf-8-sig").splitlines() == [
        HEADER,
        "NHK,,broadcasting,,amex,excluded,,,,2024-01-01,,2024-12-25",
        "楽天Edy,,e_money,,,,,,,,,",
    ]


def test_the_catalog_changes_list_shows_the_catalogs_history_only(admin_client, catalog, admin_user):
    preview = upload(admin_client, csv_file("大阪ガス,,gas,,,,,,,,,"))
    admin_client.post(PREVIEW, {"fingerprint": preview.context["preview"].fingerprint()})
    household = Household.objects.create(name="山田家")
    LogEntry.objects.log_actions(admin_user.pk, [household], ADDITION)

    response = admin_client.get(CHANGES)

    assert [(e.object_repr, e.user) for e in response.context["cl"].result_list] == [("大阪ガス", admin_user)]
    assert response.context["title"] == "カタログの変更履歴"
    assert "CSVインポート" in response.text
    assert admin_client.get(reverse("admin:admin_logentry_add")).status_code == 403


def test_catalog_editors_read_the_history_but_nobody_edits_it(client, catalog):
    editor = staff_with("view_merchant", "change_merchant")
    entry = LogEntry.objects.log_actions(editor.pk, [catalog.nhk], CHANGE, "edited", single_object=True)
    client.force_login(editor)

    assert client.get(CHANGES).status_code == 200
    assert client.post(reverse("admin:admin_logentry_delete", args=[entry.pk])).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert ContentType.objects.get_for_model(Merchant).pk == entry.content_type_id


def test_a_non_staff_user_is_sent_to_the_admin_login(client, catalog):
    client.force_login(UserFactory(is_staff=False))

    for url in (IMPORT, PREVIEW, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_merchant_permissions_cannot_import(client, catalog):
    viewer = staff_with("view_merchant")
    client.force_login(viewer)

    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": SimpleUploadedFile("m.csv", csv_file("X,,gas,,,,,,,,,"))}).status_code == 403
    assert client.post(PREVIEW).status_code == 403
    changelist = client.get(CHANGELIST)
    assert IMPORT not in changelist.text
    assert EXPORT in changelist.text


def test_staff_with_the_merchant_permissions_can_import(client, catalog):
    client.force_login(
        staff_with(
            "view_merchant", "add_merchant", "change_merchant", "add_merchanttreatment", "change_merchanttreatment"
        )
    )

    assert IMPORT in client.get(CHANGELIST).text
    preview = upload(client, csv_file("大阪ガス,,gas,,,,,,,,,"))
    client.post(PREVIEW, {"fingerprint": preview.context["preview"].fingerprint()})
    assert Merchant.objects.filter(name="大阪ガス").exists()


def test_a_file_too_large_is_refused_before_it_is_read(admin_client, catalog):
    content = csv_file(*["X,,gas,,,,,,,,,"] * 80_000)

    response = admin_client.post(IMPORT, {"file": SimpleUploadedFile("big.csv", content)})

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["ファイルが1000 KBを超えています。"]}
    assert MerchantTreatment.objects.count() == 2
