import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD, UserFactory


@pytest.mark.parametrize("name", ["home", "member_list", "household_create"])
def test_anonymous_users_are_sent_to_log_in(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_signup_logs_in_and_asks_for_a_household(client, db):
    response = client.post(
        reverse("signup"),
        {"username": "yui", "email": "yui@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("household_create")
    assert get_user_model().objects.filter(username="yui").exists()
    # Logged in, without a household yet: the home page sends them to create one.
    assert client.get(reverse("home"))["Location"] == reverse("household_create")


def test_login_and_logout(client, db):
    UserFactory(username="yui")
    response = client.post(reverse("login"), {"username": "yui", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("household_create")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("household_create")).status_code == 302


def test_password_change(client, db):
    user = UserFactory(username="yui")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-long-secret", "new_password2": "another-long-secret"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-secret")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, db):
    user = UserFactory(username="yui", email="yui@example.com")
    client.post(reverse("password_reset"), {"email": "yui@example.com"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["yui@example.com"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session-held one
    response = client.post(form_url, {"new_password1": "fresh-long-secret", "new_password2": "fresh-long-secret"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("fresh-long-secret")


def test_password_reset_for_an_unknown_address_sends_nothing(client, db):
    client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []
