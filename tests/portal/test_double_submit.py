"""A form sent twice (double click, two tabs, back and resubmit) creates one object."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from checks import services as checks_services
from checks.models import GrantCall
from portal.models import Invitation, Organisation, SubmissionToken
from portal.services import ServiceError
from portal.submission import FIELD, new_token
from projects.cpv import load_divisions
from projects.models import Call, Need, Question
from tests.checks.factories import make_call
from tests.factories import (
    UserFactory,
    make_buyer,
    make_company_user,
    make_portal_admin,
    next_org_number,
    organisation_of,
)
from tests.projects.factories import CallFactory, NeedFactory
from tests.webinars.factories import SeriesFactory, WebinarFactory
from webinars import services as webinar_services
from webinars.models import Registration, Series

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')

NEED = {"title": "Solceller", "summary": "Kort", "category": "energi", "cpv": "09000000", "stage": "behov"}
VISITOR = {"name": "Eva Exempel", "email": "eva@example.org", "organisation": "Exempel kommun", "consent": "on"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are compared in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _token_on(page) -> str:
    tokens = TOKEN_RE.findall(page.content.decode())
    assert len(tokens) == 1
    return tokens[0]


def _twice(client, url, data):
    return client.post(url, data), client.post(url, data)


# --- the guard ----------------------------------------------------------------------------------------------------


def test_need_form_sent_twice_with_its_token_creates_one_need_and_sends_the_second_to_it(client):
    load_divisions()
    client.force_login(make_buyer())
    token = _token_on(client.get(reverse("projects:need_create")))
    first, second = _twice(client, reverse("projects:need_create"), {**NEED, FIELD: token})
    need = Need.objects.get()
    detail = reverse("projects:need_detail", args=[need.pk])
    assert (first.status_code, first["Location"]) == (302, detail)
    assert (second.status_code, second["Location"]) == (302, detail)
    assert SubmissionToken.objects.get(token=token).url == detail


def test_two_need_forms_with_different_tokens_create_two_needs(client):
    load_divisions()
    client.force_login(make_buyer())
    client.post(reverse("projects:need_create"), {**NEED, FIELD: new_token()})
    client.post(reverse("projects:need_create"), {**NEED, FIELD: new_token()})
    assert Need.objects.count() == 2


def test_a_form_without_a_token_is_not_guarded(client):
    load_divisions()
    client.force_login(make_buyer())
    _twice(client, reverse("projects:need_create"), NEED)
    assert Need.objects.count() == 2 and not SubmissionToken.objects.exists()


def test_a_form_with_errors_does_not_use_up_its_token(client):
    load_divisions()
    client.force_login(make_buyer())
    token = new_token()
    invalid = client.post(reverse("projects:need_create"), {**NEED, "title": "", FIELD: token})
    assert invalid.status_code == 200 and not SubmissionToken.objects.exists()
    valid = client.post(reverse("projects:need_create"), {**NEED, FIELD: token})
    assert valid.status_code == 302 and Need.objects.count() == 1


def test_someone_else_s_token_shows_already_sent_and_not_their_object(client):
    load_divisions()
    client.force_login(make_buyer())
    token = new_token()
    client.post(reverse("projects:need_create"), {**NEED, FIELD: token})
    client.force_login(make_buyer(language="en"))
    response = client.post(reverse("projects:need_create"), {**NEED, FIELD: token}, follow=True)
    assert Need.objects.count() == 1
    assert response.redirect_chain[0][0] == "/"
    assert any("Already sent" in str(m) for m in response.context["messages"])


def test_call_form_sent_twice_creates_one_call(client):
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer))
    client.force_login(buyer)
    url = reverse("projects:call_create", args=[need.pk])
    token = _token_on(client.get(url))
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "kind": "rfi",
        "title": "Anrop",
        "description": "Beskrivning",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        FIELD: token,
    }
    first, second = _twice(client, url, data)
    assert first.status_code == 302, first.context["form"].errors
    call = Call.objects.get(need=need)
    assert second["Location"] == reverse("projects:call_detail", args=[call.pk])


def test_question_sent_twice_is_asked_once(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    client.force_login(make_company_user())
    token = _token_on(client.get(reverse("projects:call_detail", args=[call.pk])))
    first, second = _twice(client, reverse("projects:question_ask", args=[call.pk]), {"text": "Hur?", FIELD: token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Question.objects.count() == 1


def test_questions_with_different_tokens_are_both_asked(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    client.force_login(make_company_user())
    url = reverse("projects:question_ask", args=[call.pk])
    client.post(url, {"text": "Hur?", FIELD: new_token()})
    client.post(url, {"text": "Hur?", FIELD: new_token()})
    assert Question.objects.count() == 2


def test_organisation_form_sent_twice_registers_one_organisation(client):
    client.force_login(UserFactory())
    token = _token_on(client.get(reverse("portal:organisation_create")))
    number = next_org_number("5560")
    data = {"kind": "company", "name": "Testbolaget", "org_number": number.replace("-", ""), FIELD: token}
    first, second = _twice(client, reverse("portal:organisation_create"), data)
    organisation = Organisation.objects.get(name="Testbolaget")
    detail = reverse("portal:organisation_detail", args=[organisation.pk])
    assert first["Location"] == second["Location"] == detail


def test_webinar_registration_sent_twice_by_a_visitor_registers_once(client, settings):
    settings.PUBLIC_PAGE_CACHE = True
    webinar = WebinarFactory()
    url = reverse("webinars:detail", args=[webinar.pk])
    token = _token_on(client.get(url))
    # The page comes from the public cache the second time, with a fresh token all the same.
    assert _token_on(client.get(url)) != token
    first, second = _twice(client, url, {**VISITOR, FIELD: token})
    assert first.status_code == second.status_code == 302
    assert Registration.objects.filter(webinar=webinar).count() == 1


def test_grant_call_form_sent_twice_creates_one_call(client):
    client.force_login(make_portal_admin())
    token = _token_on(client.get(reverse("checks:call_create")))
    data = {
        "name": "Checkar 2027",
        "reference_number": "2027-00001",
        "description": "D",
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
        "total_budget": "5000000",
        "tracks-TOTAL_FORMS": "1",
        "tracks-INITIAL_FORMS": "0",
        "tracks-0-name": "Spår 2",
        "tracks-0-cap_one": "200000",
        "tracks-0-cap_two_or_more": "400000",
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Nytta",
        "criteria-0-weight": "2",
        FIELD: token,
    }
    first, second = _twice(client, reverse("checks:call_create"), data)
    call = GrantCall.objects.get()
    assert first["Location"] == second["Location"] == reverse("checks:call_edit", args=[call.pk])


def test_series_form_sent_twice_creates_one_series(client):
    client.force_login(make_portal_admin())
    token = _token_on(client.get(reverse("webinars:series_create")))
    data = {"title": "I fokus", "slug": "i-fokus", "summary": "", "description": "", FIELD: token}
    first, second = _twice(client, reverse("webinars:series_create"), data)
    assert first.status_code == second.status_code == 302
    assert Series.objects.filter(slug="i-fokus").count() == 1


# --- natural duplicates -------------------------------------------------------------------------------------------


def test_a_second_open_invitation_to_the_same_address_is_a_field_error(client):
    owner = make_buyer(language="en")
    organisation = organisation_of(owner)
    client.force_login(owner)
    url = reverse("portal:organisation_invite", args=[organisation.pk])
    token = _token_on(client.get(reverse("portal:organisation_detail", args=[organisation.pk])))
    first, again = _twice(client, url, {"email": "kollega@example.org", "role": "member", FIELD: token})
    assert first.status_code == again.status_code == 302 and Invitation.objects.count() == 1
    # Another tab: the same address with another token.
    other_tab = client.post(url, {"email": "Kollega@Example.org", "role": "member", FIELD: new_token()})
    assert other_tab.status_code == 200
    assert other_tab.context["form"].errors["email"] == [
        "This address already has an open invitation to this organisation."
    ]
    assert Invitation.objects.count() == 1


def test_an_expired_or_accepted_invitation_does_not_block_a_new_one(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    Invitation.objects.create(organisation=organisation, email="a@example.org", accepted_at=timezone.now())
    old = Invitation.objects.create(organisation=organisation, email="b@example.org")
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=15))
    client.force_login(owner)
    url = reverse("portal:organisation_invite", args=[organisation.pk])
    assert client.post(url, {"email": "a@example.org", "role": "member"}).status_code == 302
    assert client.post(url, {"email": "b@example.org", "role": "member"}).status_code == 302
    assert Invitation.objects.count() == 4


def test_series_slug_taken_in_another_tab_is_a_field_error(client):
    SeriesFactory(slug="i-fokus")
    client.force_login(make_portal_admin(language="en"))
    response = client.post(
        reverse("webinars:series_create"), {"title": "I fokus", "slug": "i-fokus", FIELD: new_token()}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == ["Another series already uses this short name."]


def test_create_series_turns_a_lost_race_on_the_slug_into_a_field_error(monkeypatch):
    admin = make_portal_admin()
    SeriesFactory(slug="i-fokus")
    # The other request committed after this one's check: only the unique index can tell.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    with pytest.raises(ServiceError) as raised:
        webinar_services.create_series(by=admin, title="I fokus", slug="i-fokus")
    assert raised.value.field == "slug"
    assert Series.objects.filter(slug="i-fokus").count() == 1


def test_grant_call_reference_taken_in_another_tab_is_a_field_error(client):
    make_call(reference_number="2027-00009")
    client.force_login(make_portal_admin())
    data = {
        "name": "Checkar",
        "reference_number": "2027-00009",
        "description": "D",
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
        "total_budget": "5000000",
        "tracks-TOTAL_FORMS": "0",
        "tracks-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0",
        FIELD: new_token(),
    }
    response = client.post(reverse("checks:call_create"), data)
    assert response.status_code == 400 and response.context["form"].errors["reference_number"]
    assert GrantCall.objects.count() == 1


def test_save_call_turns_a_lost_race_on_the_reference_number_into_a_field_error():
    existing = make_call(reference_number="2027-00009")
    call = GrantCall(
        name="Checkar",
        reference_number="2027-00009",
        description="D",
        opens_on=existing.opens_on,
        closes_on=existing.closes_on,
        total_budget=1_000_000,
    )
    with pytest.raises(ServiceError) as raised:
        checks_services.save_call(call=call, tracks=[], criteria=[], by=make_portal_admin())
    assert raised.value.field == "reference_number"
    assert call.pk is None and GrantCall.objects.count() == 1


# --- pruning ------------------------------------------------------------------------------------------------------


def test_prune_command_deletes_tokens_older_than_two_days():
    old = SubmissionToken.objects.create(token=new_token(), created=timezone.now() - timedelta(days=3))
    recent = SubmissionToken.objects.create(token=new_token(), created=timezone.now() - timedelta(days=1))
    call_command("prune_submission_tokens")
    assert list(SubmissionToken.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not SubmissionToken.objects.filter(pk=old.pk).exists()


def test_beat_prunes_old_tokens_daily():
    from portal.celery import app
    from portal.tasks import prune_submission_tokens_task

    entry = app.conf.beat_schedule["portal-prune-submission-tokens"]
    assert entry["task"] == prune_submission_tokens_task.name
    assert entry["schedule"] == 24 * 60 * 60
    SubmissionToken.objects.create(token=new_token(), created=timezone.now() - timedelta(days=3))
    recent = SubmissionToken.objects.create(token=new_token(), created=timezone.now())
    assert prune_submission_tokens_task() == 1
    assert list(SubmissionToken.objects.values_list("pk", flat=True)) == [recent.pk]
