from django.template import Context, Template
from django.urls import reverse


def test_japanese_is_the_default_language(as_alice):
    page = as_alice.get(reverse("member_list")).text
    assert '<html lang="ja">' in page
    assert "メンバー" in page


def test_the_language_switch_changes_to_english_and_back(as_alice):
    as_alice.post(reverse("set_language"), {"language": "en", "next": reverse("member_list")})
    page = as_alice.get(reverse("member_list")).text
    assert '<html lang="en">' in page
    assert "Members" in page
    as_alice.post(reverse("set_language"), {"language": "ja", "next": reverse("member_list")})
    assert '<html lang="ja">' in as_alice.get(reverse("member_list")).text


def test_yen_is_shown_as_yen_sign_with_thousands_commas():
    rendered = Template("{% load pointbook %}{{ a|yen }} {{ b|yen }} {{ c|yen }} {{ d|points }}").render(
        Context({"a": 1234, "b": 0, "c": -3_000_000, "d": 1050})
    )
    assert rendered == "¥1,234 ¥0 -¥3,000,000 1,050"
