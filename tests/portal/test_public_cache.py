"""The cache of public pages: visitors get stored pages, and every change shows at once."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.test import Client
from django.utils import timezone, translation

from portal.cache import CSRF_PLACEHOLDER, NOT_SHOWN, CachedPageQuerySet, connect_signals
from portal.models import Membership, Organisation
from projects import services as project_services
from projects.models import Call, Need
from tests.factories import OrganisationFactory, make_buyer, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, draft_call
from tests.webinars.factories import WebinarFactory
from webinars.models import Registration

pytestmark = pytest.mark.django_db
TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _without_tokens(content: bytes) -> bytes:
    return TOKEN_RE.sub(b"", content)


def test_a_second_visit_is_served_without_a_database_query(client, django_assert_num_queries):
    NeedFactory(title="Solceller på skolans tak")
    client.get("/needs/")  # the write above invalidates once more when this first request ends
    first = client.get("/needs/")
    assert "Solceller på skolans tak" in first.content.decode()
    with django_assert_num_queries(0):
        second = client.get("/needs/")
    assert second.status_code == 200
    # The same page, but with a CSRF token of its own.
    assert _without_tokens(second.content) == _without_tokens(first.content)


def test_a_published_need_shows_at_once_in_the_catalogue(client):
    buyer = make_buyer()
    need = NeedFactory(
        organisation=organisation_of(buyer), title="Vätgas för kollektivtrafiken", visibility=Need.Visibility.DRAFT
    )
    assert "Vätgas för kollektivtrafiken" not in client.get("/needs/").content.decode()
    project_services.set_need_visibility(need=need, by=buyer, visibility=Need.Visibility.PUBLISHED)
    assert "Vätgas för kollektivtrafiken" in client.get("/needs/").content.decode()


def test_an_edited_title_shows_at_once_on_the_need_page(client):
    need = NeedFactory(title="Gammal rubrik")
    assert "Gammal rubrik" in client.get(f"/needs/{need.pk}/").content.decode()
    need.title = "Ny rubrik"
    need.save()
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Ny rubrik" in page and "Gammal rubrik" not in page


def test_a_call_whose_time_has_passed_is_not_shown_open_from_the_cache(client, monkeypatch):
    call = CallFactory(title="Dialog om sensorer", closes_at=timezone.now() + timedelta(hours=1))
    assert "Dialog om sensorer" in client.get("/calls/").content.decode()
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # The list of open calls no longer has it, although no row changed and the periodic task has not run.
    assert "Dialog om sensorer" not in client.get("/calls/").content.decode()
    assert call.pk


def test_signed_in_users_never_get_the_visitors_copy(client):
    client.get("/")  # stored for visitors
    buyer = make_buyer()
    client.force_login(buyer)
    page = client.get("/").content.decode()
    assert "/accounts/logout/" in page


def test_the_visitors_copy_carries_no_one_elses_csrf_token_and_its_form_works():
    webinar = WebinarFactory(title="I fokus: solenergi")
    first_visitor = Client(enforce_csrf_checks=True)
    first_visitor.get(f"/webinars/{webinar.pk}/")
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(f"/webinars/{webinar.pk}/")
    html = page.content.decode()
    assert CSRF_PLACEHOLDER.decode() not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert token != re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', first_visitor.get(f"/webinars/{webinar.pk}/").content.decode()
    ).group(1)
    answer = visitor.post(
        f"/webinars/{webinar.pk}/",
        {
            "csrfmiddlewaretoken": token,
            "name": "Vera Besökare",
            "email": "vera@example.org",
            "organisation": "Exempelkommunen",
            "consent": "on",
        },
    )
    assert answer.status_code == 302
    assert Registration.objects.filter(webinar=webinar, email="vera@example.org").exists()


def test_pages_with_a_message_for_the_visitor_are_not_stored(client):
    NeedFactory(title="Behov med meddelande")
    client.get("/needs/")  # stored for visitors
    client.force_login(make_buyer())
    client.post("/accounts/logout/")
    # Signed out, the visitor is told so on the next page: it is rendered for them, not taken from the cache.
    page = client.get("/needs/").content.decode()
    assert "Du har loggat ut" in page
    # And the message is shown once: the page after it is the shared one again.
    assert "Du har loggat ut" not in client.get("/needs/").content.decode()


# --- signed-in pages, stored per user and organisation ---------------------------------------------------------


def test_a_dashboard_is_never_served_to_another_user(client):
    first = make_buyer()
    NeedFactory(organisation=organisation_of(first), title="Första organisationens behov")
    second = make_buyer()
    client.force_login(first)
    assert "Första organisationens behov" in client.get("/dashboard/").content.decode()
    client.force_login(second)
    assert "Första organisationens behov" not in client.get("/dashboard/").content.decode()


def test_a_new_need_shows_at_once_on_the_buyers_dashboard(client):
    buyer = make_buyer()
    client.force_login(buyer)
    client.get("/dashboard/")
    NeedFactory(organisation=organisation_of(buyer), title="Alldeles nytt behov", visibility=Need.Visibility.DRAFT)
    assert "Alldeles nytt behov" in client.get("/dashboard/").content.decode()


def test_switching_organisation_shows_the_other_organisations_dashboard(client):
    buyer = make_buyer()
    NeedFactory(organisation=organisation_of(buyer), title="Behov i den första")
    other = OrganisationFactory(kind=Organisation.Kind.PUBLIC_BODY, status=Organisation.Status.VERIFIED)
    Membership.objects.create(user=buyer, organisation=other, role="member")
    NeedFactory(organisation=other, title="Behov i den andra")
    client.force_login(buyer)
    client.get("/dashboard/")
    client.get("/dashboard/")  # stored for the first organisation
    page = client.post("/organisations/switch/", {"organisation": other.pk}, follow=True).content.decode()
    assert "Behov i den andra" in page
    page = client.get("/dashboard/").content.decode()
    assert "Behov i den andra" in page and "Behov i den första" not in page


# --- writes that send no signal (QuerySet.update, bulk_update, bulk_create) -------------------------------------


def _guarded(manager) -> bool:
    return issubclass(manager._queryset_class, CachedPageQuerySet)


def _unguarded_managers() -> list[str]:
    """Every manager of a model a cached page may show that could write without making stored pages stale."""
    found = []
    for model in apps.get_models():
        if (model._meta.app_label, model._meta.model_name) in NOT_SHOWN:
            continue
        if not _guarded(model._default_manager):
            found.append(f"{model._meta.label}: default manager")
        if not _guarded(model._base_manager):
            found.append(f"{model._meta.label}: base manager")
        for relation in model._meta.get_fields():
            if not (relation.one_to_many or relation.many_to_many) or relation.related_model is None:
                continue
            accessor = relation.get_accessor_name() if relation.auto_created else relation.name
            descriptor = getattr(model, accessor, None)
            manager_cls = getattr(descriptor, "related_manager_cls", None)
            related = relation.related_model._meta
            if manager_cls is not None and (related.app_label, related.model_name) not in NOT_SHOWN:
                if not issubclass(manager_cls._queryset_class, CachedPageQuerySet):
                    found.append(f"{model._meta.label}.{accessor}: related manager")
    return found


def test_every_model_a_page_may_show_writes_through_the_guarded_queryset():
    assert _unguarded_managers() == []


def test_the_check_finds_a_model_without_the_guarded_manager(monkeypatch):
    # The audit log is not shown and has Django's plain manager: counted as shown, it is reported.
    monkeypatch.setattr(f"{__name__}.NOT_SHOWN", NOT_SHOWN - {("portal", "auditentry")})

    assert "portal.AuditEntry: default manager" in _unguarded_managers()


@pytest.fixture
def without_save_signals():
    """Only the guarded queryset can make pages stale: the post_save/post_delete/m2m receivers are off."""
    disconnected = [
        signal.disconnect(dispatch_uid=f"public-pages-{signal!r}") for signal in (post_save, post_delete, m2m_changed)
    ]
    assert all(disconnected)
    yield
    connect_signals()


def test_a_queryset_update_makes_the_cached_page_fresh(client, without_save_signals):
    need = NeedFactory(title="Rubrik före")
    client.get(f"/needs/{need.pk}/")
    assert "Rubrik före" in client.get(f"/needs/{need.pk}/").content.decode()

    Need.objects.filter(pk=need.pk).update(title="Rubrik efter")

    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Rubrik efter" in page and "Rubrik före" not in page


def test_a_service_that_writes_with_update_makes_the_cached_page_fresh(client, without_save_signals):
    # Publishing a call moves its need to the dialogue stage with Need.objects.filter(...).update(...).
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer), stage=Need.Stage.NEED)
    call = draft_call(need=need, opens_at=timezone.now() - timedelta(minutes=5))
    with translation.override("sv"):
        before, after = f"<dd>{Need.Stage.NEED.label}</dd>", f"<dd>{Need.Stage.DIALOGUE.label}</dd>"
    client.get(f"/needs/{need.pk}/")
    assert before in client.get(f"/needs/{need.pk}/").content.decode()

    project_services.publish_call(call=call, by=buyer)

    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert after in page and before not in page


def test_bulk_create_bulk_update_and_delete_make_the_cached_page_fresh(client, without_save_signals):
    need = NeedFactory(title="Behov med utlysningar")
    client.get(f"/needs/{need.pk}/")
    first = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Ny utlysning i bulk" not in first

    call = CallFactory.build(need=need, title="Ny utlysning i bulk")
    Call.objects.bulk_create([call])
    assert "Ny utlysning i bulk" in client.get(f"/needs/{need.pk}/").content.decode()

    call = Call.objects.get(title="Ny utlysning i bulk")
    call.title = "Omdöpt utlysning"
    Call.objects.bulk_update([call], ["title"])
    assert "Omdöpt utlysning" in client.get(f"/needs/{need.pk}/").content.decode()

    need.calls.all().delete()
    assert "Omdöpt utlysning" not in client.get(f"/needs/{need.pk}/").content.decode()
