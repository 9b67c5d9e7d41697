"""programs/merchant_csv.py without HTTP: checking, previewing, applying and exporting merchant lists."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.utils import translation

from programs import merchant_csv
from programs.merchant_csv import Kind
from programs.models import Merchant, MerchantAlias, MerchantTreatment

from .factories import UserFactory
from .factories_catalog import (
    HEADER,
    IssuerFactory,
    MerchantFactory,
    MerchantTreatmentFactory,
    PaymentMethodFactory,
    amex_catalog,
    catalog_snapshot,
    csv_file,
)


def errors_of(preview) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in preview.errors]


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    return dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(db):
    return amex_catalog()


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", is_staff=True)


def test_a_new_merchant_with_its_treatment_is_previewed_then_applied(catalog, editor):
    preview = merchant_csv.parse(
        csv_file("大阪ガス,Osaka Gas,gas,Osaka Gas|ｵｵｻｶｶﾞｽ,amex,half,,,,2024-01-01,,2024-12-25")
    )

    assert preview.errors == []
    assert [(a.line, a.kind, a.merchant) for a in preview.actions] == [
        (2, Kind.CREATE_MERCHANT, "大阪ガス"),
        (2, Kind.ADD_TREATMENT, "大阪ガス"),
    ]
    assert not Merchant.objects.filter(name="大阪ガス").exists()

    result = merchant_csv.apply(preview, editor)

    assert (result.merchants_created, result.treatments_added) == (1, 1)
    osaka = Merchant.objects.get(name="大阪ガス")
    assert (osaka.name_en, osaka.category) == ("Osaka Gas", "gas")
    assert sorted(osaka.aliases.values_list("alias", flat=True)) == ["Osaka Gas", "ｵｵｻｶｶﾞｽ"]
    treatment = osaka.treatments.get()
    assert (treatment.issuer, treatment.treatment, treatment.valid_from, treatment.valid_to, treatment.list_date) == (
        catalog.amex,
        "half",
        dt.date(2024, 1, 1),
        None,
        dt.date(2024, 12, 25),
    )
    assert list(treatment.cards.all()) == []


def test_a_bad_file_is_refused_with_line_numbers_and_changes_nothing(catalog, editor):
    before = catalog_snapshot()
    preview = merchant_csv.parse(
        csv_file(
            "大阪ガス,,gas,,amex,half,,,,2024-01-01,,2024-12-25",
            "広島ガス,,gass,,,,,,,,,",
            "西部ガス,,gas,,amex,half,,,,2024-02-30,,2024-12-25",
            "大阪ガス,,gas,,,,,,,,,",
        )
    )

    assert errors_of(preview) == [
        (3, "unknown category “gass” (one of: " + ", ".join(merchant_csv.MerchantCategory.values) + ")"),
        (4, "bad date “2024-02-30” in valid_from (use YYYY-MM-DD)"),
        (5, "duplicate merchant name “大阪ガス” (first on line 2)"),
    ]
    with pytest.raises(ValidationError):
        merchant_csv.apply(preview, editor)
    assert catalog_snapshot() == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X,,gas,,visa,half,,,,2024-01-01,,2024-12-25", "unknown issuer “visa”"),
        ("X,,gas,,amex,half,amex-blue,,,2024-01-01,,2024-12-25", "unknown card “amex-blue”"),
        ("X,,gas,,amex,half,dcard,,,2024-01-01,,2024-12-25", "card “dcard” is not issued by amex"),
        (
            "X,,gas,,amex,halve,,,,2024-01-01,,2024-12-25",
            "unknown treatment “halve” (one of: full, half, excluded, bonus)",
        ),
        ("X,,gas,,amex,bonus,,3.5,100,2024-01-01,,2024-12-25", "points “3.5” is not a whole number"),
        ("X,,gas,,amex,bonus,,3,,2024-01-01,,2024-12-25", "a bonus treatment needs points and per_yen"),
        ("X,,gas,,amex,bonus,,3,0,2024-01-01,,2024-12-25", "per_yen must be at least 1"),
        (
            "X,,gas,,amex,half,,,,2024-01-01,2023-12-31,2024-12-25",
            "valid_to 2023-12-31 is before valid_from 2024-01-01",
        ),
        ("X,,gas,,amex,half,,,,01/04/2024,,2024-12-25", "bad date “01/04/2024” in valid_from (use YYYY-MM-DD)"),
        (
            "X,,gas,,amex,half,,,,,,2024-12-25",
            "valid_from is empty; a treatment needs issuer, treatment, valid_from and list_date",
        ),
        ("X,,,,,,,,,,,", "category is empty"),
        (",,gas,,,,,,,,,", "name is empty"),
        ("X,,gas,Tokyo Gas,,,,,,,,", "alias “Tokyo Gas” already belongs to “東京ガス”"),
        ("X,,gas,a|a,,,,,,,,", "alias “a” is listed twice"),
        ("Tokyo Gas,,gas,,,,,,,,,", "“Tokyo Gas” is an alias of “東京ガス”; use that name to update it"),
        ("X,,gas,,,,,,,", "expected 12 fields as in the header, found 10"),
    ],
)
def test_each_mistake_is_reported_on_its_line(catalog, row, message):
    IssuerFactory(slug="docomo")
    PaymentMethodFactory(slug="dcard", issuer__slug="docomo")

    preview = merchant_csv.parse(csv_file("OK,,other,,,,,,,,,", row))

    assert errors_of(preview) == [(3, message)]


def test_an_alias_given_twice_in_the_file_is_refused(catalog):
    preview = merchant_csv.parse(csv_file("A,,other,shared,,,,,,,,", "B,,other,shared,,,,,,,,"))

    assert errors_of(preview) == [(3, "alias “shared” is also given to “A” on line 2")]


def test_a_missing_or_unknown_column_is_reported_on_the_header_line(db):
    header = HEADER.replace(",list_date", ",listed")
    preview = merchant_csv.parse(f"{header}\nX,,gas,,,,,,,,,\n".encode())

    assert errors_of(preview) == [(1, "missing column(s): list_date"), (1, "unknown column(s): listed")]


def test_a_file_in_neither_encoding_is_refused_with_the_line_of_the_bad_bytes(db):
    content = csv_file("東京ガス,,gas,,,,,,,,,") + b"\x82\xff,,gas,,,,,,,,,\n"

    assert errors_of(merchant_csv.parse(content)) == [
        (3, "the file is neither UTF-8 nor Shift_JIS (cp932): unreadable bytes on this line")
    ]


def test_an_empty_file_is_refused(db):
    assert errors_of(merchant_csv.parse(b"")) == [(1, "the file is empty")]


@pytest.mark.parametrize("encoding", ["cp932", "shift_jis", "utf-8-sig", "utf-8"])
def test_shift_jis_and_utf8_files_import(catalog, editor, encoding):
    content = csv_file("東京電力エナジーパートナー,TEPCO,electricity,東京電力|ﾄｳｷｮｳﾃﾞﾝﾘｮｸ,,,,,,,,", encoding=encoding)

    merchant_csv.apply(merchant_csv.parse(content), editor)

    tepco = Merchant.objects.get(name="東京電力エナジーパートナー")
    assert sorted(tepco.aliases.values_list("alias", flat=True)) == ["東京電力", "ﾄｳｷｮｳﾃﾞﾝﾘｮｸ"]


def test_windows_line_ends_quoted_values_and_excel_dates_are_read(catalog, editor):
    content = (
        HEADER + '\r\n"Amazon, Inc.",,online_shopping,,amex,bonus,amex-green,3,100,2025/4/1,,2024/12/25\r\n'
    ).encode()

    preview = merchant_csv.parse(content)
    merchant_csv.apply(preview, editor)

    treatment = MerchantTreatment.objects.get(merchant__name="Amazon, Inc.")
    assert (treatment.points, treatment.per_yen, treatment.valid_from, treatment.list_date) == (
        3,
        100,
        dt.date(2025, 4, 1),
        dt.date(2024, 12, 25),
    )
    assert list(treatment.cards.all()) == [catalog.green]


def test_a_changed_treatment_closes_the_old_row_and_adds_a_dated_one(catalog, editor):
    old = catalog.tokyo_gas.treatments.get()

    preview = merchant_csv.parse(
        csv_file("東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,excluded,,,,2025-04-01,,2025-03-15")
    )
    assert [(a.kind, a.detail) for a in preview.actions] == [
        (
            Kind.CLOSE_TREATMENT,
            "アメリカン・エキスプレス half rate · every card · from 2024-01-01 · listed 2024-12-25: last day 2025-03-31",
        ),
        (
            Kind.ADD_TREATMENT,
            "アメリカン・エキスプレス excluded (0 points) · every card · from 2025-04-01 · listed 2025-03-15",
        ),
    ]
    result = merchant_csv.apply(preview, editor)

    assert (result.treatments_closed, result.treatments_added, result.merchants_changed) == (1, 1, 0)
    old.refresh_from_db()
    assert (old.valid_from, old.valid_to, old.treatment) == (dt.date(2024, 1, 1), dt.date(2025, 3, 31), "half")
    on = MerchantTreatment.objects.filter(merchant=catalog.tokyo_gas).valid_on
    assert [t.treatment for t in on(dt.date(2025, 3, 31))] == ["half"]
    assert [t.treatment for t in on(dt.date(2025, 4, 1))] == ["excluded"]


def test_the_same_treatment_from_a_newer_list_only_updates_its_list_date(catalog, editor):
    preview = merchant_csv.parse(csv_file("東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,half,,,,2025-05-01,,2025-05-01"))

    assert [a.kind for a in preview.actions] == [Kind.CHANGE_TREATMENT]
    merchant_csv.apply(preview, editor)

    treatment = catalog.tokyo_gas.treatments.get()
    assert (treatment.valid_from, treatment.list_date) == (dt.date(2024, 1, 1), dt.date(2025, 5, 1))


def test_a_valid_to_in_the_file_closes_the_current_treatment(catalog, editor):
    preview = merchant_csv.parse(
        csv_file("東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,half,,,,2024-01-01,2025-06-30,2024-12-25")
    )

    result = merchant_csv.apply(preview, editor)

    assert result.treatments_closed == 1
    assert catalog.tokyo_gas.treatments.get().valid_to == dt.date(2025, 6, 30)


def test_a_different_treatment_starting_the_same_day_would_rewrite_history(catalog):
    preview = merchant_csv.parse(
        csv_file("東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,excluded,,,,2024-01-01,,2024-12-25")
    )

    assert errors_of(preview) == [
        (
            2,
            "アメリカン・エキスプレス half rate · every card · from 2024-01-01 · listed 2024-12-25 already starts on "
            "2024-01-01; a different treatment must start later",
        )
    ]


def test_a_treatment_that_would_overlap_a_later_one_is_refused(catalog):
    MerchantTreatmentFactory(
        merchant=catalog.edy, issuer=catalog.amex, treatment="excluded", valid_from=dt.date(2025, 1, 1)
    )

    preview = merchant_csv.parse(csv_file("楽天Edy,,e_money,,amex,half,,,,2024-01-01,,2024-12-25"))

    assert [line for line, _message in errors_of(preview)] == [2]
    assert "would overlap" in preview.errors[0].message


def test_aliases_follow_the_file_and_may_move_between_merchants(catalog, editor):
    preview = merchant_csv.parse(
        csv_file(
            "東京ガス,Tokyo Gas Co.,gas,,amex,half,,,,2024-01-01,,2024-12-25",
            "NHK,,broadcasting,Tokyo Gas|日本放送協会,amex,excluded,,,,2024-01-01,,2024-12-25",
        )
    )

    assert preview.errors == []
    merchant_csv.apply(preview, editor)

    assert list(catalog.tokyo_gas.aliases.all()) == []
    assert sorted(catalog.nhk.aliases.values_list("alias", flat=True)) == ["Tokyo Gas", "日本放送協会"]


def test_apply_logs_each_created_or_changed_merchant_with_the_user(catalog, editor):
    preview = merchant_csv.parse(
        csv_file(
            "大阪ガス,,gas,,,,,,,,,",
            "東京ガス,Tokyo Gas,gas,Tokyo Gas|TG,amex,half,,,,2024-01-01,,2024-12-25",
            "NHK,,broadcasting,,amex,excluded,,,,2024-01-01,,2024-12-25",
        )
    )

    merchant_csv.apply(preview, editor)

    entries = {entry.object_repr: entry for entry in LogEntry.objects.all()}
    assert sorted(entries) == ["大阪ガス", "東京ガス"]  # NHK is unchanged
    assert all(entry.user == editor for entry in entries.values())
    assert entries["大阪ガス"].action_flag == ADDITION
    assert entries["大阪ガス"].get_edited_object() == Merchant.objects.get(name="大阪ガス")
    assert entries["東京ガス"].action_flag == CHANGE
    assert entries["東京ガス"].change_message == (
        "CSV import: English / romaji name: “Tokyo Gas Co.” → “Tokyo Gas”; aliases added: TG"
    )


def test_apply_refuses_a_preview_with_errors(catalog, editor):
    preview = merchant_csv.parse(csv_file("大阪ガス,,gas,,,,,,,,,", "X,,nope,,,,,,,,,"))

    with pytest.raises(ValidationError):
        merchant_csv.apply(preview, editor)
    assert not Merchant.objects.filter(name="大阪ガス").exists()


def test_export_then_import_reports_no_changes(catalog):
    bonus = MerchantFactory(
        name='Amazon "JP", Inc.', name_en="Amazon", category="online_shopping", aliases=["AMZN", "ｱﾏｿﾞﾝ"]
    )
    MerchantTreatmentFactory(
        merchant=bonus,
        issuer=catalog.amex,
        treatment="bonus",
        points=3,
        per_yen=100,
        cards=[catalog.gold, catalog.green],
    )

    exported = merchant_csv.export(Merchant.objects.all())
    preview = merchant_csv.parse(exported.encode())

    assert preview.errors == []
    assert not preview.has_changes
    assert preview.unchanged == 4


def test_export_writes_the_treatment_valid_today(catalog, today):
    half = catalog.tokyo_gas.treatments.get()
    half.valid_to = dt.date(2025, 3, 31)
    half.save()
    MerchantTreatmentFactory(
        merchant=catalog.tokyo_gas, issuer=catalog.amex, treatment="excluded", valid_from=dt.date(2025, 4, 1)
    )
    MerchantTreatmentFactory(
        merchant=catalog.tokyo_gas, issuer=catalog.amex, treatment="full", valid_from=dt.date(2026, 1, 1)
    )

    lines = merchant_csv.export(Merchant.objects.filter(name="東京ガス")).splitlines()

    assert lines == [HEADER, "東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,excluded,,,,2025-04-01,,2024-12-25"]


def test_checking_a_file_takes_the_same_queries_however_long_it_is(catalog, django_assert_max_num_queries):
    rows = [f"店{n},,other,alias{n},amex,half,amex-green,,,2024-01-01,,2024-12-25" for n in range(40)]
    content = csv_file("東京ガス,Tokyo Gas Co.,gas,Tokyo Gas,amex,half,,,,2024-01-01,,2024-12-25", *rows)

    # issuers, cards, merchants, their aliases, their treatments, the treatments' cards, alias owners
    with django_assert_max_num_queries(7):
        preview = merchant_csv.parse(content)
    assert len(preview.actions) == 80


def test_merchants_with_several_treatments_today_are_named(catalog):
    other = IssuerFactory(slug="jcb")
    MerchantTreatmentFactory(merchant=catalog.tokyo_gas, issuer=other, treatment="excluded")

    assert merchant_csv.with_several_treatments(Merchant.objects.all()) == ["東京ガス"]
    assert MerchantAlias.objects.count() == 1
