"""Every household-scoped URL, requested by a signed-in owner with another household's ids, is 404.

The sweep walks the project's URL patterns itself, so a new scoped URL is swept without anyone
remembering to add it; a URL argument the sweep cannot fill makes the test fail until
`OTHER_HOUSEHOLDS_OBJECTS` learns what object it names.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from households.models import Invite
from wallets import ledger

from .factories import HeldCardFactory, LinkedAccountFactory

# URL argument → how to get an object of that kind belonging to 鈴木家 (the other household).
OTHER_HOUSEHOLDS_OBJECTS = {
    "member_id": lambda cast: cast.dave,
    "invite_id": lambda cast: Invite.issue(household=cast.suzuki, role="member", created_by=cast.dave.user)[0],
    "account_id": lambda cast: LinkedAccountFactory(member=cast.dave, program="rakuten"),
    "card_id": lambda cast: HeldCardFactory(member=cast.dave, method="amex-green"),
    "movement_id": lambda cast: ledger.earn(
        LinkedAccountFactory(member=cast.dave, program="dpoint"),
        100,
        dt.date(2026, 6, 1),
        available_on=dt.date(2026, 6, 1),
    ),
    "purchase_id": lambda cast: _suzuki_purchase(cast),
    "lot_id": lambda cast: _suzuki_lot(cast),
}
# Arguments that are not ids of household rows.
NOT_SCOPED = {"token"}


def _suzuki_purchase(cast):
    import datetime as dt

    from transactions import posting

    facts = posting.Facts(
        member=cast.dave, day=dt.date(2026, 6, 1), merchant_name="東京ガス", amount=5000, method="jcb"
    )
    return posting.log_purchase(facts)


def _suzuki_lot(cast):
    import datetime as dt

    from wallets import ledger

    from .factories import LinkedAccountFactory

    account = LinkedAccountFactory(member=cast.dave, program="rakuten")
    return ledger.earn(account, 10, dt.date(2026, 6, 1), available_on=dt.date(2026, 6, 1)).lot


def walk(resolver: URLResolver, prefix: str = ""):
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith(("admin/", "i18n/", "accounts/")):
                continue
            yield from walk(p, route)
        elif isinstance(p, URLPattern):
            yield route, p


def scoped_routes():
    return [
        (route, p)
        for route, p in walk(get_resolver())
        if p.pattern.converters and not set(p.pattern.converters) <= NOT_SCOPED
    ]


def test_the_sweep_finds_the_scoped_urls():
    assert len(scoped_routes()) >= 4


@pytest.mark.parametrize("route", [r for r, _ in scoped_routes()])
def test_another_households_ids_are_not_found(client, cast, route):
    client.force_login(cast.alice.user)
    pattern = dict(scoped_routes())[route].pattern
    url = "/" + route
    for arg in pattern.converters:
        assert arg in OTHER_HOUSEHOLDS_OBJECTS, f"teach the sweep what <{arg}> names"
        url = url.replace(f"<int:{arg}>", str(OTHER_HOUSEHOLDS_OBJECTS[arg](cast).pk))
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"role": "owner", "name": "x"}).status_code == 404
    cast.dave.refresh_from_db()
    assert cast.dave.role == "owner" and cast.dave.user is not None
