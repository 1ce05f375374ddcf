"""Changes to one's own account on allauth's pages are audited, without the address or the name."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portal.audit import AuditAction
from portal.models import AuditEntry
from tests.factories import UserFactory

from .test_accounts import _log_in, _set_up_totp

pytestmark = pytest.mark.django_db
PASSWORD = "Ett-langt-losenord-2026"


def _rows(user, action):
    return AuditEntry.objects.filter(action=action, object_id=str(user.pk), content_type__model="user")


def test_a_password_change_is_audited_with_the_person_as_actor_and_no_name(client):
    user = UserFactory(email="byter@example.org", first_name="Greta", last_name="Garbo")
    _log_in(client, "byter@example.org", "test-password-123")

    client.post(
        reverse("account_change_password"),
        {"oldpassword": "test-password-123", "password1": PASSWORD, "password2": PASSWORD},
    )

    row = _rows(user, AuditAction.ACCOUNT_PASSWORD_CHANGED).get()
    assert row.actor == user
    assert row.object_repr == "" and row.details == {}
    assert "Garbo" not in str(row.rendered_description()) and "byter@" not in str(row.details)


def test_a_failed_password_change_writes_nothing(client):
    user = UserFactory(email="byter@example.org")
    _log_in(client, "byter@example.org", "test-password-123")
    client.post(
        reverse("account_change_password"),
        {"oldpassword": "fel-losenord", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not _rows(user, AuditAction.ACCOUNT_PASSWORD_CHANGED).exists()


def test_adding_and_removing_an_email_address_is_audited_by_id(client):
    user = UserFactory(email="forsta@example.org")
    _log_in(client, "forsta@example.org", "test-password-123")

    client.post(reverse("account_email"), {"action_add": "", "email": "andra@example.org"})
    added = EmailAddress.objects.get(email="andra@example.org")
    row = _rows(user, AuditAction.ACCOUNT_EMAIL_ADDED).get()
    assert row.details == {"email_address": added.pk}
    assert "andra@" not in str(row.details) + row.object_repr

    client.post(reverse("account_email"), {"action_remove": "", "email": "andra@example.org"})
    assert str(row.rendered_description()) == f"Adress #{added.pk}"
    removed = _rows(user, AuditAction.ACCOUNT_EMAIL_REMOVED).get()
    assert removed.actor == user and removed.details == {} and removed.object_repr == ""
    assert not EmailAddress.objects.filter(email="andra@example.org").exists()


def test_turning_on_two_factor_is_audited_with_its_kind(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="totp@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals it after commit
        _set_up_totp(client, "totp@example.org")

    kinds = {row.details["type"] for row in _rows(user, AuditAction.ACCOUNT_MFA_ADDED)}
    assert "totp" in kinds
    row = _rows(user, AuditAction.ACCOUNT_MFA_ADDED).filter(details__type="totp").get()
    assert str(row.rendered_description()) == "Typ: TOTP-autentiserare"
