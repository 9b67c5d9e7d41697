"""The dashboard a worker keeps (`dashboard.summary.BOARDS`) and the token that retires it
(`households.versioning`): a family sees every committed write on its next look, however it was written.

These tests commit for real (a transaction that is never committed never renews the token, and inside
one nothing is kept), so they are transactional; `serialized_rollback` gives the next tests the catalog back.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import summary
from households import versioning
from households.models import DataVersion, Member
from pointbook.bulk import insert, new
from transactions.models import MonthlySpend
from wallets import balances, ledger
from wallets.models import Holding, LinkedAccount

from .factories import LinkedAccountFactory
from .test_purchase_views import form_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

D = dt.date


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


@pytest.fixture(autouse=True)
def empty_boards(settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    summary.BOARDS.clear()
    yield
    summary.BOARDS.clear()


def look(client) -> tuple[dict[str, int], int, str]:
    """The household's points per programme (available and pending), the page's queries and its HTML."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    points = {
        f.program.slug: f.available + sum(p.points for p in f.pending)
        for f in response.context["board"].balances.household
    }
    return points, len(queries), response.content.decode()


def test_the_family_sees_a_purchase_at_once_though_its_dashboard_is_kept(client, cast):
    client.force_login(cast.bob.user)
    rakuten = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(rakuten, 1200, D(2026, 3, 1), available_on=D(2026, 3, 10))

    # The first look after a write builds the page (and brings the accounts' balance snapshots up to
    # date, which retires nothing: they follow from the ledger); the next looks are served as kept.
    looks = [look(client) for _ in range(3)]
    assert [points for points, _queries, _html in looks] == [{"rakuten": 1200}] * 3
    built_queries, kept_queries = looks[0][1], looks[1][1]
    # Kept: the session, the user, the memberships and the data's token, not the dashboard's dozen.
    assert kept_queries <= 5 < built_queries
    assert looks[2][1] == kept_queries

    # A purchase through the form (the purchase form tests' own): marriott-amex-premium at 東京ガス,
    # half rate, ¥10,000 → 150 points.
    assert client.post(reverse("purchase_new"), form_data(cast)).status_code == 302
    after_purchase, _queries, html = look(client)
    assert after_purchase == {"rakuten": 1200, "marriott-bonvoy": 150}
    assert "1,200" in html

    # Points earned outside any page (the ledger's own bulk writer, as the import and the tasks use it).
    ledger.earn(rakuten, 300, D(2026, 6, 1), available_on=D(2026, 6, 1))
    assert look(client)[0] == {"rakuten": 1500, "marriott-bonvoy": 150}

    # A queryset update, which sends no signal: this month's spend (¥10,000 so far) corrected by hand.
    assert summary.BOARDS.page(cast.yamada, D(2026, 6, 1)).board.month_spend == 10_000
    MonthlySpend.objects.filter(household=cast.yamada).update(yen=F("yen") + 2_000)
    look(client)
    assert summary.BOARDS.page(cast.yamada, D(2026, 6, 1)).board.month_spend == 12_000

    # Another household's page is its own, even right after this one's was kept.
    client.force_login(cast.dave.user)
    assert look(client)[0] == {}


def renewed(write) -> bool:
    before = DataVersion.current()
    write()
    return DataVersion.current() != before


def test_every_committed_write_renews_the_token_and_nothing_else_does(cast):
    rename = Member.objects.filter(pk=cast.ken.pk)
    assert renewed(lambda: rename.update(name="ケン"))  # queryset update, outside a transaction
    assert renewed(lambda: cast.ken.save())  # an ORM save
    assert renewed(lambda: insert(Member, [new(Member, household=cast.yamada, name="祖母")]))  # our bulk insert

    def raw():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE households_member SET name = %s WHERE id = %s", ["健", cast.ken.pk])

    assert renewed(raw)

    # Reads, sessions and logins are not changes of the data.
    assert not renewed(lambda: list(Member.objects.all()))
    assert not renewed(lambda: SessionStore().create())
    assert not renewed(lambda: cast.alice.user.save(update_fields=["last_login"]))

    # A rolled-back transaction changed nothing.
    def rolled_back():
        with transaction.atomic():
            rename.update(name="x")
            transaction.set_rollback(True)

    assert not renewed(rolled_back)

    # A write in a savepoint that rolls back does not count; a later write in the same transaction does,
    # and a transaction of many writes renews the token once, after its commit.
    def savepoint_then_write():
        with transaction.atomic():
            try:
                with transaction.atomic():
                    rename.update(name="y")
                    raise RuntimeError
            except RuntimeError:
                pass
            token = DataVersion.current()
            rename.update(name="ケン")
            cast.ken.refresh_from_db()
            cast.ken.save()
            assert DataVersion.current() == token  # not before the commit

    with CaptureQueriesContext(connection) as queries:
        assert renewed(savepoint_then_write)
    renewals = [q for q in queries if q["sql"].startswith('UPDATE "households_dataversion"')]
    assert len(renewals) == 1
    assert Member.objects.get(pk=cast.ken.pk).name == "ケン"


def test_rebuilding_the_balance_snapshots_is_not_a_change(cast):
    rakuten = LinkedAccountFactory(member=cast.alice, program="rakuten")
    assert renewed(lambda: ledger.earn(rakuten, 1200, D(2026, 3, 1), available_on=D(2026, 3, 10)))
    rakuten.refresh_from_db()
    assert not rakuten.holdings_current
    # The first reader rebuilds the snapshot from the ledger: rows written, nothing a page shows changed.
    assert not renewed(lambda: balances.refresh_holdings([rakuten]))
    assert Holding.objects.filter(account=rakuten).aggregate(points=Sum("points"))["points"] == 1200
    rakuten.refresh_from_db()
    assert rakuten.holdings_current
    # Only inside `derived`: the same kind of write outside it counts, and `derived` ends with its block.
    assert renewed(lambda: Holding.objects.filter(account=rakuten).update(points=F("points")))
    with versioning.derived():
        pass
    assert renewed(lambda: LinkedAccount.objects.filter(pk=rakuten.pk).update(ledger_version=F("ledger_version")))


def test_a_kept_page_lasts_no_longer_than_its_age_its_day_and_its_language(cast, monkeypatch):
    built = []
    monkeypatch.setattr(
        summary.Page, "build", classmethod(lambda cls, household, today: built.append(today) or cls(None, [], []))
    )
    clock = [1000.0]
    monkeypatch.setattr(summary.time, "monotonic", lambda: clock[0])
    boards = summary.Boards(size=1)
    june_1, june_2 = D(2026, 6, 1), D(2026, 6, 2)

    boards.page(cast.yamada, june_1)
    boards.page(cast.yamada, june_1)
    assert built == [june_1]  # kept
    clock[0] += 61
    boards.page(cast.yamada, june_1)
    assert built == [june_1, june_1]  # older than DASHBOARD_CACHE_SECONDS: built again
    boards.page(cast.yamada, june_2)
    assert built == [june_1, june_1, june_2]  # a new day
    from django.utils import translation

    with translation.override("en"):
        boards.page(cast.yamada, june_2)
    assert len(built) == 4  # another language
    boards.page(cast.suzuki, june_2)
    boards.page(cast.yamada, june_2)
    assert len(built) == 6  # size 1: 鈴木家's page pushed 山田家's out


@pytest.mark.django_db(transaction=False)
def test_inside_a_transaction_nothing_is_kept(cast, monkeypatch):
    """What a transaction reads may be its own writes, not committed yet (and, in a test, never)."""
    built = []
    monkeypatch.setattr(
        summary.Page, "build", classmethod(lambda cls, household, today: built.append(today) or cls(None, [], []))
    )
    assert connection.in_atomic_block
    summary.BOARDS.page(cast.yamada, D(2026, 6, 1))
    summary.BOARDS.page(cast.yamada, D(2026, 6, 1))
    assert len(built) == 2


def test_without_an_age_nothing_is_kept(cast, settings, monkeypatch):
    settings.DASHBOARD_CACHE_SECONDS = 0
    built = []
    monkeypatch.setattr(
        summary.Page, "build", classmethod(lambda cls, household, today: built.append(today) or cls(None, [], []))
    )
    summary.BOARDS.page(cast.yamada, D(2026, 6, 1))
    summary.BOARDS.page(cast.yamada, D(2026, 6, 1))
    assert len(built) == 2


@pytest.mark.django_db(transaction=False)
def test_which_statements_count_as_changes():
    from households.versioning import writes_data

    assert writes_data('INSERT INTO "wallets_lot" ("points") SELECT * FROM UNNEST((%b)::integer[]) RETURNING "id"')
    assert writes_data("INSERT OR REPLACE INTO wallets_lot VALUES (1)")
    assert writes_data('  update "transactions_monthlyspend" SET yen = 1')
    assert writes_data('DELETE FROM "wallets_movement" WHERE id = 1')
    assert writes_data('TRUNCATE "wallets_lot", "wallets_movement"')
    assert writes_data(object())  # a composed statement it cannot read counts as a change
    assert not writes_data('SELECT "wallets_lot"."id" FROM "wallets_lot"')
    assert not writes_data('UPDATE "django_session" SET "session_data" = %s')
    assert not writes_data('UPDATE "auth_user" SET "last_login" = %s')
    assert not writes_data('INSERT INTO "django_tasks_database_dbtaskresult" ("id") VALUES (%s)')
