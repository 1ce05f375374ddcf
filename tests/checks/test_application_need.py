"""Linking a need to an application: only the organisation's own needs; anything else gets a message at the field."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from checks.models import Application
from projects.models import Need
from tests.factories import make_buyer, organisation_of

from .factories import make_application, make_call
from .test_views import form_data

pytestmark = pytest.mark.django_db
S = Application.State

MESSAGES = {
    "sv": "Det behovet är inte ett av er organisations registrerade behov.",
    "en": "That need is not one of your organisation&#x27;s registered needs.",
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_need_of_another_organisation_gets_a_message_next_to_the_field(client, language):
    buyer, call = make_buyer(), make_call()
    foreign = Need.objects.create(organisation=organisation_of(make_buyer()), title="Främmande behov", summary="S")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(buyer)

    response = client.post(
        reverse("checks:application_create", args=[call.pk]), form_data(call, buyer, need=str(foreign.pk))
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert Application.objects.count() == 0
    assert list(response.context["form"].errors) == ["need"]
    assert 'id="id_need_error"' in page
    assert re.search(r'<select name="need"[^>]*aria-describedby="[^"]*\bid_need_error\b', page)
    error = page[page.index('id="id_need_error"') :][:400]
    assert MESSAGES[language] in error
    assert "Främmande behov" not in page  # the other organisation's need is neither listed nor echoed
    assert "Sensorer för fallprevention" in page and "Sensorlabbet AB" in page  # nothing typed is lost


def test_a_need_that_does_not_exist_gets_the_same_message(client):
    buyer, call = make_buyer(), make_call()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(buyer)

    response = client.post(reverse("checks:application_create", args=[call.pk]), form_data(call, buyer, need="999999"))

    assert response.status_code == 400
    assert MESSAGES["sv"] in response.content.decode()


def test_editing_a_draft_to_link_a_foreign_need_keeps_the_draft_unchanged(client):
    application = make_application(state=S.DRAFT)
    foreign = Need.objects.create(organisation=organisation_of(make_buyer()), title="Främmande behov", summary="S")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(application.contact)

    response = client.post(
        reverse("checks:application_edit", args=[application.pk]),
        form_data(application.call, application.contact, need=str(foreign.pk), title="Ändrad titel"),
    )

    assert response.status_code == 400
    assert MESSAGES["sv"] in response.content.decode()
    application.refresh_from_db()
    assert application.need is None and application.title == "Test av sensorer"


def test_the_organisations_own_need_is_linked(client):
    buyer, call = make_buyer(), make_call()
    own = Need.objects.create(organisation=organisation_of(buyer), title="Eget behov", summary="S")
    client.force_login(buyer)

    response = client.post(reverse("checks:application_create", args=[call.pk]), form_data(call, buyer, need=own.pk))

    assert response.status_code == 302
    assert Application.objects.get().need == own


def test_a_contact_outside_the_organisation_gets_a_clear_message(client):
    buyer, call = make_buyer(), make_call()
    stranger = make_buyer()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(buyer)

    response = client.post(
        reverse("checks:application_create", args=[call.pk]), form_data(call, buyer, contact=stranger.pk)
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_contact_error"' in page
    assert "Kontaktpersonen måste vara medlem i er organisation." in page[page.index('id="id_contact_error"') :][:400]
    assert Application.objects.count() == 0
