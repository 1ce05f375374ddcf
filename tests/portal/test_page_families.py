"""Narrow invalidation: a write makes stale only the pages and fragments that show its family of rows."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.messages.models import Message
from checks.models import Review
from portal import cache as page_cache
from portal.cache import NOT_SHOWN, families_of, fragment_version
from portal.models import Attachment, Organisation, User
from tests.checks.factories import GrantCallFactory, make_application
from tests.factories import make_buyer, make_company_user, make_handler, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, ResponseFactory
from tests.webinars.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def _stored(client, path, django_assert_num_queries) -> str:
    """The page as a visitor gets it, checked to come from the cache (no database query)."""
    client.get(path)
    client.get(path)  # a write made in the test ends its request here; the page is stored again
    with django_assert_num_queries(0):
        return client.get(path).content.decode()


def _served_from_cache(client, path, django_assert_num_queries) -> bool:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries) == 0


def _end_of_request(client):
    # The families a write touched are made stale again when the request or task ends (after its commit); a
    # test's writes are not in a request, so this request's end does it: it must not touch other families.
    client.get("/healthz")


def test_every_model_a_page_may_show_belongs_to_a_family():
    without = [
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if (model._meta.app_label, model._meta.model_name) not in NOT_SHOWN
        and model._meta.app_label in ("portal", "projects", "checks", "webinars")
        and families_of(model) is None
    ]
    assert without == []


def test_a_model_of_no_family_makes_every_page_stale():
    from django.contrib.admin.models import LogEntry

    assert families_of(User) == frozenset({"organisations"})
    assert families_of(LogEntry) is None or (LogEntry._meta.app_label, LogEntry._meta.model_name) in NOT_SHOWN


def test_a_response_a_registration_a_review_and_a_message_leave_the_catalogue_stored(
    client, django_assert_num_queries
):
    call = CallFactory(title="Dialog om laddstolpar")
    webinar = WebinarFactory()
    company = make_company_user()
    application = make_application(state="submitted")
    handler = make_handler()
    assert "Dialog om laddstolpar" in _stored(client, f"/needs/{call.need.pk}/", django_assert_num_queries)
    _stored(client, "/needs/", django_assert_num_queries)
    _stored(client, "/calls/", django_assert_num_queries)

    ResponseFactory(call=call, organisation=organisation_of(company))
    RegistrationFactory(webinar=webinar)
    Review.objects.create(application=application, handler=handler, recommendation="approve")
    Message.objects.create(application=application, sender="handler", author=handler, body="Komplettera budgeten.", internal=True)
    user_logged_in.send(sender=User, request=None, user=company)  # stamps last_login
    _end_of_request(client)

    for path in (f"/needs/{call.need.pk}/", "/needs/", "/calls/"):
        assert _served_from_cache(client, path, django_assert_num_queries), path


def test_a_registration_refreshes_the_webinar_page_but_not_the_catalogue(client, django_assert_num_queries):
    webinar = WebinarFactory(capacity=2)
    path = f"/webinars/{webinar.pk}/"
    assert "2 platser kvar" in _stored(client, path, django_assert_num_queries)
    _stored(client, "/needs/", django_assert_num_queries)

    RegistrationFactory(webinar=webinar)

    assert "1 plats kvar" in client.get(path).content.decode()
    assert _served_from_cache(client, "/needs/", django_assert_num_queries)


def test_a_renamed_buyer_shows_at_once_on_its_need_page(client, django_assert_num_queries):
    need = NeedFactory(organisation__name="Gamla kommunen")
    assert "Gamla kommunen" in _stored(client, f"/needs/{need.pk}/", django_assert_num_queries)

    Organisation.objects.filter(pk=need.organisation_id).update(name="Nya kommunen")

    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Nya kommunen" in page and "Gamla kommunen" not in page


def test_a_grant_call_refreshes_the_grant_call_pages_and_leaves_the_catalogue(client, django_assert_num_queries):
    grant_call = GrantCallFactory(name="Innovationscheck våren")
    assert "Innovationscheck våren" in _stored(client, "/checks/", django_assert_num_queries)
    _stored(client, "/needs/", django_assert_num_queries)

    grant_call.name = "Innovationscheck hösten"
    grant_call.save()

    assert "Innovationscheck hösten" in client.get("/checks/").content.decode()
    assert _served_from_cache(client, "/needs/", django_assert_num_queries)


def test_a_file_belongs_to_its_owners_family(client, django_assert_num_queries):
    call = CallFactory()
    response = ResponseFactory(call=call)

    def attach(owner):
        return Attachment(
            content_type=ContentType.objects.get_for_model(owner),
            object_id=str(owner.pk),
            file=ContentFile(b"%PDF-1.4", name="bilaga.pdf"),
            filename="bilaga.pdf",
            mime_type="application/pdf",
            size=8,
        )

    assert attach(response).page_families() == frozenset({"responses"})
    assert attach(call).page_families() == frozenset({"needs"})

    _stored(client, "/calls/", django_assert_num_queries)
    attach(response).save()
    _end_of_request(client)
    assert _served_from_cache(client, "/calls/", django_assert_num_queries)
    attach(call).save()
    assert not _served_from_cache(client, "/calls/", django_assert_num_queries)


def test_a_signed_in_page_is_stale_after_any_write(client):
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer), title="Behov med svar")
    call = CallFactory(need=need)
    client.force_login(buyer)
    client.get("/dashboard/")
    before = client.get("/dashboard/").content.decode()

    ResponseFactory(call=call, status="submitted")

    assert client.get("/dashboard/").content.decode() != before


def test_a_fragment_version_changes_exactly_with_its_families():
    need = NeedFactory()
    needs = fragment_version("needs", "organisations")
    webinars = fragment_version("webinars")
    assert fragment_version("organisations", "needs") == needs  # the order does not matter

    WebinarFactory()
    assert fragment_version("needs", "organisations") == needs
    assert fragment_version("webinars") != webinars

    need.title = "Ändrad rubrik"
    need.save()
    assert fragment_version("needs", "organisations") != needs


def test_a_fragment_version_changes_when_the_clock_passes_a_boundary(monkeypatch):
    CallFactory(closes_at=timezone.now() + timedelta(hours=1))
    version = fragment_version("needs")
    assert fragment_version("needs") == version
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert fragment_version("needs") != version


def test_every_page_is_stale_after_a_write_of_a_model_of_no_family(client, django_assert_num_queries):
    _stored(client, "/needs/", django_assert_num_queries)
    version = fragment_version("webinars")

    page_cache.invalidate_families(None)

    assert not _served_from_cache(client, "/needs/", django_assert_num_queries)
    assert fragment_version("webinars") != version


def test_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="Unknown page families"):
        fragment_version("nedds")
    with pytest.raises(ValueError, match="Unknown page families"):
        page_cache.cache_public_page(lambda request: None, shows=("nedds",))


def test_the_generations_are_shared_by_every_process(settings):
    # Another web process sees the write at once: the generations live in the shared cache, not in memory.
    version = fragment_version("needs")
    page_cache._local_pages.clear()
    from django.core.cache import cache

    cache.set(page_cache.FAMILY_KEY + "needs", "set-by-another-process", None)
    assert fragment_version("needs") != version
