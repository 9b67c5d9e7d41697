from django.core.management import call_command
from django.test import override_settings

from households.models import Household, Member


@override_settings(DEBUG=True)
def test_the_demo_household_loads_once_and_its_owner_sees_it(client, db):
    call_command("load_demo")
    call_command("load_demo")
    household = Household.objects.get()
    assert Member.objects.filter(household=household).count() == 3
    assert client.login(username="taro", password="pointbook-demo")
    assert household.name in client.get("/").text
