import pytest
from django.urls import reverse

from households.models import Member, Role


def test_a_viewer_reads_the_household(as_carol):
    response = as_carol.get(reverse("member_list"))
    assert response.status_code == 200
    assert "アリス" in response.text


def test_a_viewers_post_is_refused_and_changes_nothing(as_carol, cast):
    response = as_carol.post(reverse("member_add"), {"name": "侵入者"})
    assert response.status_code == 403
    assert not Member.objects.filter(name="侵入者").exists()


@pytest.mark.parametrize(
    ("name", "args", "data"),
    [
        ("member_add", [], {"name": "さくら"}),
        ("member_role", ["carol"], {"role": "owner"}),
        ("member_remove_login", ["carol"], {}),
        ("member_delete", ["ken"], {}),
        ("invite_create", [], {"role": "member"}),
    ],
)
def test_a_member_cannot_manage_members(as_bob, cast, name, args, data):
    url = reverse(name, args=[getattr(cast, a).pk for a in args])
    response = as_bob.post(url, data)
    assert response.status_code == 403
    cast.carol.refresh_from_db()
    assert cast.carol.role == Role.VIEWER and cast.carol.user is not None
    assert Member.objects.filter(pk=cast.ken.pk).exists()
    assert not Member.objects.filter(name="さくら").exists()
    assert not cast.yamada.invites.exists()


def test_the_owner_changes_a_role(as_alice, cast):
    as_alice.post(reverse("member_role", args=[cast.carol.pk]), {"role": "member"})
    cast.carol.refresh_from_db()
    assert cast.carol.role == Role.MEMBER


def test_the_owner_removes_a_login_and_the_member_stays(as_alice, cast):
    as_alice.post(reverse("member_remove_login", args=[cast.bob.pk]))
    cast.bob.refresh_from_db()
    assert cast.bob.user is None
    assert cast.bob.household == cast.yamada


def test_the_last_owner_cannot_step_down(as_alice, cast):
    response = as_alice.post(reverse("member_role", args=[cast.alice.pk]), {"role": "viewer"}, follow=True)
    cast.alice.refresh_from_db()
    assert cast.alice.role == Role.OWNER
    assert "オーナーが少なくとも1人必要です" in response.text


def test_the_owner_deletes_a_member_without_a_login(as_alice, cast):
    as_alice.post(reverse("member_delete", args=[cast.ken.pk]))
    assert not Member.objects.filter(pk=cast.ken.pk).exists()
