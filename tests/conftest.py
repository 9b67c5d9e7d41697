"""The shared cast (after healthchecks' hc/test.py).

山田家: alice is the owner, bob a member, carol a viewer (a child with a login), ken a child without
a login. 鈴木家 is another household: dave owns it and must never see or touch 山田家's data.
"""

from types import SimpleNamespace

import pytest

from households.models import Role

from .factories import HouseholdFactory, MemberFactory


@pytest.fixture
def cast(db):
    yamada = HouseholdFactory(name="山田家")
    suzuki = HouseholdFactory(name="鈴木家")
    alice = MemberFactory(household=yamada, name="アリス", role=Role.OWNER, user__username="alice")
    bob = MemberFactory(household=yamada, name="ボブ", role=Role.MEMBER, user__username="bob")
    carol = MemberFactory(household=yamada, name="キャロル", role=Role.VIEWER, user__username="carol")
    ken = MemberFactory(household=yamada, name="健", user=None, role=Role.VIEWER)
    dave = MemberFactory(household=suzuki, name="デイブ", role=Role.OWNER, user__username="dave")
    return SimpleNamespace(yamada=yamada, suzuki=suzuki, alice=alice, bob=bob, carol=carol, ken=ken, dave=dave)


@pytest.fixture
def as_alice(client, cast):
    client.force_login(cast.alice.user)
    return client


@pytest.fixture
def as_bob(client, cast):
    client.force_login(cast.bob.user)
    return client


@pytest.fixture
def as_carol(client, cast):
    client.force_login(cast.carol.user)
    return client


@pytest.fixture
def english():
    """Messages in English, for tests that compare them word for word (Japanese is the default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Tests run enqueued tasks immediately; the database backend and its worker are for real runs."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
