"""Migration 0012 makes an e-mail address belong to one account: accounts already sharing one (in any letter case)
stop it with the addresses named, and nothing is changed."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError

pytestmark = pytest.mark.django_db(transaction=True)
MIGRATION = importlib.import_module("tracker.migrations.0012_accounts").Migration
BEFORE = next(name for app, name in MIGRATION.dependencies if app == "tracker")


def test_accounts_sharing_an_address_stop_the_migration_naming_it():
    call_command("migrate", "tracker", BEFORE, verbosity=0)
    User = get_user_model()
    try:
        User.objects.create(username="ana", email="ana@example.com", password="!")
        User.objects.create(username="ana2", email="Ana@Example.com", password="!")
        with pytest.raises(RuntimeError) as stopped:
            call_command("migrate", "tracker", verbosity=0)
        assert "Several accounts share an e-mail address (ana@example.com)" in str(stopped.value)
        assert sorted(User.objects.values_list("email", flat=True)) == ["Ana@Example.com", "ana@example.com"]
        User.objects.filter(username="ana2").update(email="")
    finally:
        call_command("migrate", "tracker", verbosity=0)
    with pytest.raises(IntegrityError):
        User.objects.create(username="ana3", email="ANA@example.com", password="!")
