from django.urls import reverse

from households.models import Household, Member, Role

from .factories import MemberFactory, UserFactory


def test_creating_a_household_makes_the_user_its_owner(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("household_create"), {"name": "佐藤家", "your_name": "陽子"})
    assert response.status_code == 302
    member = Member.objects.get(user=user)
    assert member.household.name == "佐藤家"
    assert member.role == Role.OWNER
    assert "佐藤家" in client.get(reverse("home")).text


def test_the_current_household_is_always_visible_and_can_be_switched(client, cast):
    MemberFactory(household=cast.suzuki, user=cast.alice.user, role=Role.VIEWER)
    client.force_login(cast.alice.user)
    page = client.get(reverse("member_list")).text
    assert f'<option value="{cast.yamada.pk}" selected>山田家</option>' in page
    client.post(reverse("household_switch"), {"household": cast.suzuki.pk})
    page = client.get(reverse("member_list")).text
    assert f'<option value="{cast.suzuki.pk}" selected>鈴木家</option>' in page
    assert "デイブ" in page and "ボブ" not in page


def test_switching_to_a_household_one_does_not_belong_to_is_not_found(as_bob, cast):
    response = as_bob.post(reverse("household_switch"), {"household": cast.suzuki.pk})
    assert response.status_code == 404
    assert "ボブ" in as_bob.get(reverse("member_list")).text


def test_a_member_without_a_login_belongs_to_the_household(as_alice, cast):
    as_alice.post(reverse("member_add"), {"name": "さくら"})
    sakura = Member.objects.get(name="さくら")
    assert sakura.household == cast.yamada
    assert sakura.user is None
    assert Household.objects.count() == 2
