import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from households.models import Invite, Member, Role

from .factories import UserFactory


def create_invite(client, **data) -> str:
    response = client.post(reverse("invite_create"), {"role": "member", **data})
    assert response.status_code == 200
    return re.search(r"http://testserver(/invite/[^/]+/)", response.text).group(1)


def test_the_invite_flow_end_to_end(client, cast):
    client.force_login(cast.alice.user)
    link = create_invite(client, role="viewer")
    client.logout()

    # A newcomer opens the link, is asked to sign up, signs up and joins with the role given.
    assert "山田家" in client.get(link).text
    client.post(
        f"{reverse('signup')}?next={link}",
        {
            "username": "yui",
            "email": "yui@example.com",
            "password1": "pw-long-enough-1",
            "password2": "pw-long-enough-1",
        },
    )
    response = client.post(link, {"name": "ゆい"})
    assert response.status_code == 302
    yui = Member.objects.get(name="ゆい")
    assert yui.household == cast.yamada
    assert yui.role == Role.VIEWER
    assert yui.user.username == "yui"
    assert "山田家" in client.get(reverse("home")).text


def test_a_used_link_is_refused_with_a_clear_message(client, cast):
    client.force_login(cast.alice.user)
    link = create_invite(client)
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    client.post(link, {"name": "一人目"})
    client.force_login(second)
    response = client.post(link, {"name": "二人目"})
    assert response.status_code == 410
    assert "既に使われています" in response.text
    assert not Member.objects.filter(user=second).exists()


def test_an_expired_link_is_refused_with_a_clear_message(client, cast):
    client.force_login(cast.alice.user)
    link = create_invite(client)
    newcomer = UserFactory()
    client.force_login(newcomer)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(link, {"name": "遅すぎ"})
    assert response.status_code == 410
    assert "有効期限が切れています" in response.text
    assert not Member.objects.filter(user=newcomer).exists()


def test_an_unknown_link_is_refused(client, cast):
    client.force_login(cast.bob.user)
    assert client.get("/invite/not-a-real-token/").status_code == 410


def test_an_invite_for_a_member_without_login_gives_that_member_a_login(client, cast):
    client.force_login(cast.alice.user)
    link = create_invite(client, role="viewer", member=cast.ken.pk)
    ken_user = UserFactory(username="ken")
    client.force_login(ken_user)
    client.post(link, {"name": "健"})
    cast.ken.refresh_from_db()
    assert cast.ken.user == ken_user
    assert cast.ken.role == Role.VIEWER
    assert Member.objects.filter(household=cast.yamada).count() == 4


def test_only_the_hash_of_the_token_is_stored(client, cast):
    client.force_login(cast.alice.user)
    link = create_invite(client)
    token = link.split("/")[2]
    assert not Invite.objects.filter(token_hash=token).exists()
    assert Invite.objects.get().token_hash != token
