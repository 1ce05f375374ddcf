import io

import pytest
from django.core.management import call_command

from portal import demo as portal_demo
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin
from webinars import demo
from webinars.models import Registration, Series, Webinar

from .factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

ROLES = {
    "anonymous": lambda: None,
    "buyer": make_buyer,
    "company": make_company_user,
    "handler": make_handler,
    "admin": make_portal_admin,
}


def _user(role):
    from django.contrib.auth.models import AnonymousUser

    return ROLES[role]() or AnonymousUser()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", Webinar.Status.values)
def test_view_webinar_rule(role, status):
    webinar = WebinarFactory(status=status)
    expected = role == "admin" or status != Webinar.Status.DRAFT
    assert _user(role).has_perm("webinars.view_webinar", webinar) is expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", Webinar.Status.values)
def test_change_webinar_rule(role, status):
    webinar = WebinarFactory(status=status)
    expected = role == "admin" and status != Webinar.Status.CANCELLED
    assert _user(role).has_perm("webinars.change_webinar", webinar) is expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", ["webinars.manage_webinars", "webinars.view_registrations"])
def test_admin_only_rules(role, perm):
    assert _user(role).has_perm(perm) is (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_view_registration_rule(role):
    assert _user(role).has_perm("webinars.view_registration", RegistrationFactory()) is (role == "admin")


def test_admin_without_staff_flag_is_not_a_portal_admin():
    user = make_portal_admin()
    user.is_staff = False
    user.save()
    assert not user.has_perm("webinars.manage_webinars")


def test_demo_seed_creates_the_series_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Series.objects.count(), Webinar.objects.count(), Registration.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Series.objects.count(), Webinar.objects.count(), Registration.objects.count()) == counts
    series = Series.objects.get(title="I fokus – om innovation och upphandling")
    titles = set(series.webinars.values_list("title", flat=True))
    assert {"Tema solceller och solenergi", demo.PAST[1]["title"], demo.PAST[2]["title"]} <= titles
    solar = Webinar.objects.get(title="Tema solceller och solenergi")
    assert solar.starts_at.date().isoformat() == "2023-09-08" and solar.recording_url and solar.is_past
    assert Webinar.objects.get(title__startswith="Hur får vi fler").starts_at.date().isoformat() == "2024-03-13"
    assert demo.PAST[2]["starts_at"].year == 2025 and demo.PAST[2]["starts_at"].month == 3
    full = Webinar.objects.get(capacity=3)
    assert full.registrations.filter(status="confirmed").count() == 3
    assert full.registrations.filter(status="waitlisted").count() == 2
    assert Webinar.objects.filter(status="published", recording_url="").exclude(capacity=None).count() == 2


def test_demo_seed_runs_on_the_portal_world():
    world = portal_demo.seed()
    demo.seed(world)
    demo.seed(world)
    assert Webinar.objects.filter(status="draft").count() == 1


def test_every_model_field_text_is_translated_to_swedish():
    # The Django admin shows these (labels and help texts) to portal admins in Swedish.
    from django.utils import translation
    from django.utils.functional import Promise

    from webinars.models import Speaker

    untranslated = []
    for model in (Series, Webinar, Speaker, Registration):
        for field in model._meta.get_fields():
            for text in (getattr(field, "verbose_name", ""), getattr(field, "help_text", "")):
                if text and not isinstance(text, Promise) and field.name not in ("id", "uid"):
                    untranslated.append(f"{model.__name__}.{field.name}: {text}")
    assert untranslated == []
    with translation.override("sv"):
        assert str(Registration._meta.get_field("queued_at").help_text) == "Ordningen på väntelistan."
