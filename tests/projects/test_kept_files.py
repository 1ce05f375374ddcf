"""Nothing typed is lost, attachments included: a company's response, a buyer's call and an amendment keep a valid
file across a re-shown form and save it without it being chosen again (portal/files.py, issue 16)."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.files import attachments_for
from portal.models import HeldUpload
from projects import services
from projects.amendments.models import Amendment
from projects.models import Call, Response

from .factories import CallFactory, NeedFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"x" * 100
EXE = b"MZ\x90\x00" + b"x" * 50


def held_tokens(page: str) -> list[str]:
    return re.findall(r'name="attachments-held" value="([^"]+)"', page)


def test_a_company_response_keeps_the_pdf_beside_an_exe_and_submits_it_without_choosing_it_again(
    client, company_user, company_org
):
    call = CallFactory()
    client.force_login(company_user)
    url = reverse("projects:response_edit", args=[call.pk])
    first = client.post(
        url,
        {
            "summary": "Lösning",
            "trl": "6",
            "submit": "1",
            "attachments": [SimpleUploadedFile("svar.pdf", PDF), SimpleUploadedFile("virus.exe", EXE)],
        },
    )
    assert first.status_code == 200  # the page again, with the error
    page = first.content.decode()
    assert "Filen virus.exe har inte en tillåten filtyp (PDF, DOCX, XLSX, ODT, ODS, PNG eller JPEG)." in page
    assert "Sparad: svar.pdf" in page
    assert "Ta bort svar.pdf" in page
    assert "välj den här filen igen" not in page
    assert not Response.objects.exists()

    second = client.post(url, {"summary": "Lösning", "trl": "6", "submit": "1", "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and response.organisation == company_org
    assert [a.filename for a in attachments_for(response)] == ["svar.pdf"]
    assert not HeldUpload.objects.exists()


def test_a_response_the_service_refused_keeps_its_file(client, company_user, monkeypatch):
    call = CallFactory()
    client.force_login(company_user)
    url = reverse("projects:response_edit", args=[call.pk])

    def refuse(**kwargs):
        raise services.ServiceError("Tjänsten sa nej.")

    monkeypatch.setattr(services, "save_response", refuse)
    first = client.post(url, {"summary": "Lösning", "attachments": [SimpleUploadedFile("svar.pdf", PDF)]})
    page = first.content.decode()
    assert "Tjänsten sa nej." in page
    assert "Sparad: svar.pdf" in page
    monkeypatch.undo()
    second = client.post(url, {"summary": "Lösning", "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    assert [a.filename for a in attachments_for(Response.objects.get())] == ["svar.pdf"]


def test_a_buyers_call_keeps_its_file_when_the_dates_are_wrong(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    url = reverse("projects:call_create", args=[need.pk])
    now = timezone.localtime()
    data = {
        "kind": "rfi",
        "title": "RFI",
        "description": "Text",
        "questions_to_market": "Vad?",
        "opens_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    first = client.post(url, {**data, "attachments": [SimpleUploadedFile("underlag.pdf", PDF)]})
    assert first.status_code == 200
    page = first.content.decode()
    assert "Sparad: underlag.pdf" in page
    data["closes_at"] = (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    second = client.post(url, {**data, "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    assert [a.filename for a in attachments_for(Call.objects.get())] == ["underlag.pdf"]


def test_an_amendment_keeps_its_new_file_when_the_text_is_missing(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    client.force_login(buyer)
    url = reverse("projects:call_amend", args=[call.pk])
    first = client.post(url, {"text": "", "attachments": [SimpleUploadedFile("ny.pdf", PDF)]})
    page = first.content.decode()
    assert "Sparad: ny.pdf" in page
    second = client.post(url, {"text": "Bilaga 2 är ny.", "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    amendment = Amendment.objects.get(call=call)
    assert [f.attachment.filename for f in amendment.files.all()] == ["ny.pdf"]
    assert not HeldUpload.objects.exists()


def test_editing_a_draft_call_keeps_its_file_when_the_title_is_missing(client, buyer, buyer_org):
    from .factories import draft_call

    call = draft_call(need=NeedFactory(organisation=buyer_org))
    client.force_login(buyer)
    url = reverse("projects:call_edit", args=[call.pk])
    data = {
        "kind": call.kind,
        "title": "",
        "description": "Text",
        "questions_to_market": "Vad?",
        "opens_at": timezone.localtime(call.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(call.closes_at).strftime("%Y-%m-%dT%H:%M"),
    }
    first = client.post(url, {**data, "attachments": [SimpleUploadedFile("bilaga.pdf", PDF)]})
    assert first.status_code == 200
    page = first.content.decode()
    assert "Sparad: bilaga.pdf" in page
    second = client.post(url, {**data, "title": "Ny rubrik", "attachments-held": held_tokens(page)})
    assert second.status_code == 302
    assert [a.filename for a in attachments_for(call)] == ["bilaga.pdf"]


def test_an_amendment_keeps_a_replacement_file_beside_an_exe_and_a_new_choice_takes_its_place(client, buyer, buyer_org):
    """A replacement field holds one file: kept across the re-shown form like the others; choosing another file
    then replaces the kept one (no second file, no error)."""
    from portal.files import attach_bytes

    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    client.force_login(buyer)
    url = reverse("projects:call_amend", args=[call.pk])
    field = f"replace_{old.pk}"
    first = client.post(
        url,
        {
            "text": "Ny bilaga.",
            "attachments": [SimpleUploadedFile("virus.exe", EXE)],
            field: SimpleUploadedFile("bilaga-v2.pdf", PDF),
        },
    )
    assert first.status_code == 200
    page = first.content.decode()
    assert "Sparad: bilaga-v2.pdf" in page
    tokens = re.findall(rf'name="{field}-held" value="([^"]+)"', page)
    assert len(tokens) == 1
    assert f'name="{field}" multiple' not in page and f'id="id_{field}" multiple' not in page

    # A new file chosen in the replacement field takes the place of the kept one.
    second = client.post(url, {"text": "", f"{field}-held": tokens, field: SimpleUploadedFile("bilaga-v3.pdf", PDF)})
    page = second.content.decode()
    assert "Sparad: bilaga-v3.pdf" in page and "bilaga-v2.pdf" not in page
    tokens = re.findall(rf'name="{field}-held" value="([^"]+)"', page)

    third = client.post(url, {"text": "Ny bilaga.", f"{field}-held": tokens})
    assert third.status_code == 302
    (replacement,) = Amendment.objects.get(call=call).files.all()
    assert (replacement.attachment.filename, replacement.replaces) == ("bilaga-v3.pdf", old)
    assert not HeldUpload.objects.exists()
