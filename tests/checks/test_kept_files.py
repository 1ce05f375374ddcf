"""Nothing typed is lost, attachments included: a valid file chosen beside a refused one (or on a form with another
error) is kept and listed, and saved with the form without being chosen again (portal/files.py, issue 16)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checks import services
from checks.messages import selectors as message_selectors
from checks.messages.models import Message
from checks.models import Application
from portal.files import attachments_for
from portal.models import HeldUpload
from portal.services import ServiceError
from tests.factories import make_buyer

from .factories import make_application, make_call
from .test_views import PDF, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
EXE = b"MZ\x90\x00" + b"x" * 50


def held_tokens(page: str) -> list[str]:
    return re.findall(r'name="attachments-held" value="([^"]+)"', page)


def test_a_pdf_beside_an_exe_is_kept_and_saved_with_the_application_without_choosing_it_again(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    url = reverse("checks:application_create", args=[call.pk])
    first = client.post(
        url,
        form_data(
            call, buyer, attachments=[SimpleUploadedFile("offert.pdf", PDF), SimpleUploadedFile("virus.exe", EXE)]
        ),
    )
    assert first.status_code == 400
    page = first.content.decode()
    assert "Bilagor: Filen virus.exe har inte en tillåten filtyp (PDF, DOCX, XLSX, ODT, ODS, PNG eller JPEG)." in page
    assert "Sparad: offert.pdf" in page
    assert "Bilagor: den här filen är sparad från ditt förra försök och skickas med formuläret." in page
    assert "välj den här filen igen" not in page
    assert not Application.objects.exists()

    second = client.post(url, form_data(call, buyer, **{"attachments-held": held_tokens(page)}))
    assert second.status_code == 302
    application = Application.objects.get()
    assert [file.filename for file in attachments_for(application, services.APPLICANT_FILES)] == ["offert.pdf"]
    assert not HeldUpload.objects.exists()


def test_a_kept_file_survives_a_second_error_and_the_remove_box_drops_it(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    url = reverse("checks:application_create", args=[call.pk])
    first = client.post(url, form_data(call, buyer, title="", attachments=[SimpleUploadedFile("a.pdf", PDF)]))
    assert first.status_code == 400
    tokens = held_tokens(first.content.decode())
    second = client.post(url, form_data(call, buyer, title="", **{"attachments-held": tokens}))
    assert second.status_code == 400
    assert "Sparad: a.pdf" in second.content.decode()
    third = client.post(
        url,
        form_data(
            call, buyer, **{"attachments-held": held_tokens(second.content.decode()), "attachments-remove": tokens}
        ),
    )
    assert third.status_code == 302
    assert not attachments_for(Application.objects.get()).exists()
    assert not HeldUpload.objects.exists()


def test_another_users_kept_file_is_not_attached(client):
    owner, other, call = make_buyer(), make_buyer(), make_call()
    client.force_login(owner)
    url = reverse("checks:application_create", args=[call.pk])
    first = client.post(url, form_data(call, owner, title="", attachments=[SimpleUploadedFile("hemlig.pdf", PDF)]))
    tokens = held_tokens(first.content.decode())
    client.force_login(other)
    response = client.post(url, form_data(call, other, **{"attachments-held": tokens}))
    assert response.status_code == 302
    assert not attachments_for(Application.objects.get()).exists()
    assert HeldUpload.objects.get().uploaded_by == owner


def test_a_kept_file_goes_with_a_thread_message_after_the_text_was_missing(client):
    application = make_application(state="in_review")
    client.force_login(application.contact)
    url = reverse("checks:messages", args=[application.pk])
    first = client.post(url, {"body": "", "attachments": [SimpleUploadedFile("offert.pdf", PDF)]})
    assert first.status_code == 400
    page = first.content.decode()
    assert "Sparad: offert.pdf" in page
    second = client.post(url, {"body": "Här är offerten", "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    assert [a.filename for a in message_selectors.attachments_of(Message.objects.get())] == ["offert.pdf"]


def report_data(application):
    data = {"results": "Resultat", "outcome": "Utfall", "procedure": "not_started"}
    data.update({f"actual_{line.pk}": str(line.amount) for line in application.budget_lines.all()})
    return data


def test_a_final_report_the_service_refused_keeps_its_file(client, monkeypatch):
    application = make_application(state=Application.State.APPROVED)
    client.force_login(application.contact)
    url = reverse("checks:final_report", args=[application.pk])

    def refuse(**kwargs):
        raise ServiceError("Perioden har inte slutat.")

    monkeypatch.setattr(services, "submit_final_report", refuse)
    first = client.post(url, {**report_data(application), "attachments": [SimpleUploadedFile("faktura.pdf", PDF)]})
    assert first.status_code == 400
    page = first.content.decode()
    assert "Perioden har inte slutat." in page
    assert "Sparad: faktura.pdf" in page
    monkeypatch.undo()
    second = client.post(url, {**report_data(application), "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    assert [a.filename for a in attachments_for(application, services.FINAL_REPORT_FILES)] == ["faktura.pdf"]


def test_a_kept_file_saved_meanwhile_from_another_tab_is_asked_for_again(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    url = reverse("checks:application_create", args=[call.pk])
    first = client.post(url, form_data(call, buyer, title="", attachments=[SimpleUploadedFile("offert.pdf", PDF)]))
    tokens = held_tokens(first.content.decode())
    assert client.post(url, form_data(call, buyer, **{"attachments-held": tokens})).status_code == 302
    # The same page sent again from a second tab: the file now belongs to the first application.
    second = client.post(url, form_data(call, buyer, title="Annan", **{"attachments-held": tokens}))
    assert second.status_code == 302  # the signed id finds no kept file any more: ignored, nothing lost
    assert Application.objects.count() == 2
    assert sum(attachments_for(application).count() for application in Application.objects.all()) == 1
