"""Logging, previewing, editing, cancelling, shipping and importing purchases in the browser's pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import PaymentMethod
from transactions.models import Purchase
from wallets.models import Movement

from .factories import LinkedAccountFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies["django_language"] = "en"


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


def form_data(cast, **changes):
    data = {
        "member": cast.alice.pk,
        "day": "2026-06-01",
        "merchant_name": "東京ガス",
        "amount": "10000",
        "tax_rate_percent": "10",
        "method": PaymentMethod.objects.get(slug="marriott-amex-premium").pk,
        "channel": "store",
    }
    data.update(changes)
    return data


def test_the_preview_shows_the_points_and_why_before_anything_is_saved(as_bob, cast):
    response = as_bob.post(reverse("purchase_preview"), form_data(cast), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="card" id="preview"' in html and "<html" not in html
    assert ">150<" in html  # marriott-amex-premium at 東京ガス, half rate: 10,000 yen → 150 (RULES.md §1)
    assert "half-rate list (as of 2024-12-25)" in html
    assert not Purchase.objects.exists()


def test_a_viewer_may_preview_but_not_save(as_carol, cast):
    assert as_carol.post(reverse("purchase_preview"), form_data(cast), HTTP_HX_REQUEST="true").status_code == 200
    assert as_carol.post(reverse("purchase_new"), form_data(cast)).status_code == 403
    assert not Purchase.objects.exists()


def test_saving_posts_the_points_and_shows_the_purchase(as_bob, cast):
    response = as_bob.post(reverse("purchase_new"), form_data(cast), follow=True)

    purchase = Purchase.objects.get()
    assert response.redirect_chain[-1][0] == reverse("purchase_detail", args=[purchase.pk])
    assert Movement.objects.get().points == 150
    assert purchase.created_by == cast.bob.user
    assert "150" in response.content.decode()


def test_a_bad_form_is_refused_and_saves_nothing(as_bob, cast):
    response = as_bob.post(reverse("purchase_new"), form_data(cast, amount="-3", day="2026-02-30"))

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"amount", "day"}
    assert not Purchase.objects.exists()


def test_spending_more_points_than_available_is_refused_with_a_message(as_bob, cast):
    account = LinkedAccountFactory(member=cast.bob, program="rakuten")
    data = form_data(
        cast, member=cast.bob.pk, merchant_name="楽天市場", amount="2200", points_spent="500", points_account=account.pk
    )

    response = as_bob.post(reverse("purchase_new"), data)

    assert "Only 0 楽天ポイント points are available on 2026-06-01; 500 cannot be spent." in response.content.decode()
    assert not Purchase.objects.exists() and not Movement.objects.exists()


def test_editing_and_cancelling_keep_the_history(as_bob, cast):
    as_bob.post(reverse("purchase_new"), form_data(cast))
    purchase = Purchase.objects.get()

    as_bob.post(reverse("purchase_edit", args=[purchase.pk]), form_data(cast, amount="20000"))
    response = as_bob.post(reverse("purchase_cancel", args=[purchase.pk]), follow=True)

    assert sorted(Movement.objects.values_list("points", flat=True)) == [-300, -150, 150, 300]
    assert list(purchase.revisions.values_list("action", flat=True)) == ["created", "edited", "cancelled"]
    assert "Refund: ¥20,000" in response.content.decode()


def test_an_order_ships_from_its_page(as_alice, cast):
    LinkedAccountFactory(member=cast.alice, program="dpoint", amazon_link=True)
    data = form_data(cast, merchant_name="Amazon", amount="15000", channel="online", items="本 | 15000 |")
    data["method"] = PaymentMethod.objects.get(slug="amex-green").pk
    as_alice.post(reverse("purchase_new"), data)
    purchase = Purchase.objects.get()

    as_alice.post(reverse("purchase_ship", args=[purchase.pk]), {"day": "2026-06-03"})

    lot = Movement.objects.get(account__program__slug="dpoint").lot
    assert (lot.points, lot.available_on) == (100, dt.date(2026, 6, 3))


def test_the_merchant_autocomplete_finds_romaji_and_aliases(as_carol):
    response = as_carol.get(reverse("merchant_options"), {"merchant_name": "tokyo gas"}, HTTP_HX_REQUEST="true")

    assert '<option value="東京ガス">' in response.content.decode()


def test_importing_through_the_pages_previews_then_imports(as_bob, cast):
    content = (
        "date,member,merchant,amount,method\n2026-06-01,ボブ,東京ガス,10000,marriott-amex-premium\n"
        "2026-06-02,ボブ,NHK,2200,amex-green\n"
    ).encode("cp932")

    preview = as_bob.post(
        reverse("purchase_import"), {"file": SimpleUploadedFile("s.csv", content, "text/csv")}, follow=True
    )
    assert "2 rows: 2 new, 0 already imported." in preview.content.decode()
    assert not Purchase.objects.exists()

    applied = as_bob.post(reverse("purchase_import_apply"))
    body = b"".join(applied.streaming_content).decode()

    assert "Imported 2 purchase(s); 0 were already imported." in body
    assert Purchase.objects.filter(member=cast.bob).count() == 2


def test_a_bad_upload_shows_each_line_and_imports_nothing(as_bob, cast):
    content = "date,member,merchant,amount,method\n2026-06-01,誰,東京ガス,10000,jcb\n".encode()

    preview = as_bob.post(
        reverse("purchase_import"), {"file": SimpleUploadedFile("s.csv", content, "text/csv")}, follow=True
    )

    assert "unknown member “誰”" in preview.content.decode()
    assert "Import</button>" not in preview.content.decode()
    assert not Purchase.objects.exists()


def test_the_export_downloads_the_households_purchases_only(as_bob, cast):
    as_bob.post(reverse("purchase_new"), form_data(cast))

    response = as_bob.get(reverse("purchase_export"))
    body = b"".join(response.streaming_content).decode()

    assert body.splitlines()[1].startswith("2026-06-01,アリス,東京ガス,10000,")
    assert len(body.splitlines()) == 2
