"""Valid files chosen on a form that is shown again are kept (portal/files.py `HeldUpload`): listed with signed
ids, claimed back only by their uploader, attached when the form is saved, deleted by beat after a day."""

import time
from datetime import timedelta

import pytest
from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from portal import files as files_module
from portal.files import (
    HELD_UPLOAD_TTL,
    AttachmentsField,
    KeepUploadsMixin,
    attach_files,
    attachments_for,
    discard_expired_uploads,
    sign_held,
)
from portal.models import Attachment, HeldUpload
from portal.services import ServiceError
from tests.factories import make_buyer, organisation_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ" + b"\x00" * 60


class UploadForm(KeepUploadsMixin, forms.Form):
    title = forms.CharField(label="Rubrik")
    attachments = AttachmentsField(label="Bilagor")


def pdf(name="rapport.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def post(user, *, title="", files=(), held=(), remove=()):
    """A bound form as a view makes it from a POST."""
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    data = QueryDict(mutable=True)
    data["title"] = title
    data.setlist("attachments-held", list(held))
    data.setlist("attachments-remove", list(remove))
    return UploadForm(data, MultiValueDict({"attachments": list(files)}), uploader=user)


def tokens(form):
    return [item.token for item in form.fields["attachments"].kept]


def test_a_valid_pdf_beside_an_exe_is_kept_listed_and_attached_on_the_next_post(django_capture_on_commit_callbacks):
    user = make_buyer()
    with translation.override("sv"):
        form = post(user, title="Rubrik", files=[pdf(), SimpleUploadedFile("program.exe", EXE)])
        assert not form.is_valid()
        assert form.errors["attachments"] == [
            "Filen program.exe har inte en tillåten filtyp (PDF, DOCX, XLSX, ODT, ODS, PNG eller JPEG)."
        ]
        html = form.as_div()
    held = HeldUpload.objects.get()
    assert (held.filename, held.original_name, held.mime_type, held.size) == (
        "rapport.pdf",
        "rapport.pdf",
        "application/pdf",
        len(PDF),
    )
    assert held.uploaded_by == user and len(held.sha256) == 64
    assert "Kept: rapport.pdf" not in html  # Swedish page
    assert "Sparad: rapport.pdf" in html
    assert f'<input type="hidden" name="attachments-held" value="{tokens(form)[0]}">' in html
    assert '<label for="id_attachments_remove_0">Ta bort rapport.pdf</label>' in html
    assert "välj den här filen igen" not in html

    again = post(user, title="Rubrik", held=tokens(form))  # nothing chosen again
    assert again.is_valid(), again.errors
    assert again.cleaned_data["attachments"] == [held]
    owner = organisation_of(user)
    with django_capture_on_commit_callbacks(execute=True):  # the kept row goes, its file stays
        (attachment,) = attach_files(owner=owner, files=again.cleaned_data["attachments"], by=user)
    assert not HeldUpload.objects.exists()
    assert list(attachments_for(owner)) == [attachment]
    assert (attachment.filename, attachment.size, attachment.uploaded_by) == ("rapport.pdf", len(PDF), user)
    assert attachment.file.name == held.file.name
    with default_storage.open(attachment.file.name) as stored:
        assert stored.read() == PDF


def test_kept_and_new_files_are_attached_together_in_order():
    user = make_buyer()
    first = post(user, files=[pdf("a.pdf")])
    assert not first.is_valid()  # the title is missing
    second = post(user, title="Rubrik", files=[pdf("b.pdf")], held=tokens(first))
    assert second.is_valid()
    created = attach_files(owner=organisation_of(user), files=second.cleaned_data["attachments"], by=user)
    assert [attachment.filename for attachment in created] == ["a.pdf", "b.pdf"]
    assert not HeldUpload.objects.exists()


def test_the_remove_box_drops_the_kept_file_and_deletes_it(django_capture_on_commit_callbacks):
    user = make_buyer()
    first = post(user, files=[pdf("a.pdf"), pdf("b.pdf")])
    assert not first.is_valid()
    a, b = tokens(first)
    name_a = HeldUpload.objects.get(filename="a.pdf").file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = post(user, title="Rubrik", held=[a, b], remove=[a])
        assert second.is_valid()
    assert [item.filename for item in second.cleaned_data["attachments"]] == ["b.pdf"]
    assert list(HeldUpload.objects.values_list("filename", flat=True)) == ["b.pdf"]
    assert not default_storage.exists(name_a)


def test_another_users_signed_id_is_ignored():
    owner, other = make_buyer(), make_buyer()
    first = post(owner, files=[pdf()])
    assert not first.is_valid()
    stolen = tokens(first)
    form = post(other, title="Rubrik", held=stolen, remove=stolen)
    assert form.is_valid()
    assert form.cleaned_data["attachments"] == []
    assert HeldUpload.objects.filter(uploaded_by=owner).count() == 1  # neither claimed nor removed
    # A token signed for the other user but naming the owner's file finds nothing either.
    forged = sign_held(HeldUpload.objects.get(), other)
    form = post(other, title="Rubrik", held=[forged])
    assert form.is_valid() and form.cleaned_data["attachments"] == []
    # Nor can the service attach another user's kept file.
    with pytest.raises(ServiceError):
        attach_files(owner=organisation_of(other), files=list(HeldUpload.objects.all()), by=other)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: "",
    ],
)
def test_a_tampered_signed_id_is_ignored(mangle):
    user = make_buyer()
    first = post(user, files=[pdf()])
    assert not first.is_valid()
    form = post(user, title="Rubrik", held=[mangle(tokens(first)[0])])
    assert form.is_valid()
    assert form.cleaned_data["attachments"] == []


def test_an_expired_signed_id_is_ignored(monkeypatch):
    user = make_buyer()
    first = post(user, files=[pdf()])
    assert not first.is_valid()
    held = HeldUpload.objects.get()
    old = int(time.time() - HELD_UPLOAD_TTL.total_seconds() - 60)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(old))
    expired = sign_held(held, user)
    monkeypatch.undo()
    form = post(user, title="Rubrik", held=[expired])
    assert form.is_valid() and form.cleaned_data["attachments"] == []
    # An old row is not claimed either, even with a fresh signature (beat may not have run yet).
    HeldUpload.objects.filter(pk=held.pk).update(created_at=timezone.now() - HELD_UPLOAD_TTL - timedelta(minutes=1))
    form = post(user, title="Rubrik", held=[sign_held(held, user)])
    assert form.is_valid() and form.cleaned_data["attachments"] == []


def test_the_count_limit_counts_kept_and_new_files_together():
    user = make_buyer()
    limit = settings.MAX_UPLOAD_FILES
    first = post(user, files=[pdf(f"{n}.pdf") for n in range(limit - 1)])
    assert not first.is_valid()
    with translation.override("en"):
        form = post(user, title="Rubrik", files=[pdf("x.pdf"), pdf("y.pdf")], held=tokens(first))
        assert not form.is_valid()
        assert form.errors["attachments"] == [
            f"You chose 2 files beside the {limit - 1} kept; at most {limit} files can be sent at a time."
        ]
    assert HeldUpload.objects.count() == limit - 1  # the new ones were not kept, the kept ones still are
    assert len(form.fields["attachments"].kept) == limit - 1
    # Exactly at the limit is fine.
    form = post(user, title="Rubrik", files=[pdf("x.pdf")], held=tokens(first))
    assert form.is_valid()
    assert len(form.cleaned_data["attachments"]) == limit


def test_past_the_per_user_limit_a_file_is_asked_for_again(monkeypatch):
    monkeypatch.setattr(files_module, "HELD_UPLOADS_PER_USER", 1)
    user = make_buyer()
    with translation.override("en"):
        form = post(user, files=[pdf("a.pdf"), pdf("b.pdf")])
        assert not form.is_valid()
        assert "so choose this file again: b.pdf." in str(form.fields["attachments"].help_text)
    assert list(HeldUpload.objects.values_list("filename", flat=True)) == ["a.pdf"]


def test_without_an_uploader_nothing_is_kept_and_the_form_asks_to_choose_again():
    form = UploadForm({"title": ""}, {"attachments": [pdf()]})
    with translation.override("en"):
        assert not form.is_valid()
        assert "Nothing is stored until the form is saved, so choose this file again: rapport.pdf." in str(
            form.fields["attachments"].help_text
        )
    assert not HeldUpload.objects.exists()


def test_a_kept_file_can_be_attached_once(django_capture_on_commit_callbacks):
    user = make_buyer()
    first = post(user, files=[pdf()])
    assert not first.is_valid()
    one = post(user, title="Rubrik", held=tokens(first))
    two = post(user, title="Rubrik", held=tokens(first))  # the same form sent from a second tab
    assert one.is_valid() and two.is_valid()
    attach_files(owner=organisation_of(user), files=one.cleaned_data["attachments"], by=user)
    with translation.override("sv"), pytest.raises(ServiceError) as refused:
        attach_files(owner=organisation_of(user), files=two.cleaned_data["attachments"], by=user)
    assert refused.value.field == "attachments"
    assert str(refused.value.message) == (
        "Filen rapport.pdf är inte längre sparad (den har sparats med ett annat formulär, tagits bort eller "
        "gallrats): välj den igen."
    )
    assert Attachment.objects.count() == 1


def test_expired_kept_files_are_deleted_by_the_task_and_a_second_run_deletes_nothing(
    django_capture_on_commit_callbacks,
):
    from portal.celery import app
    from portal.tasks import discard_expired_uploads_task

    entry = app.conf.beat_schedule["portal-discard-expired-uploads"]
    assert entry["task"] == discard_expired_uploads_task.name
    assert entry["schedule"] == 60 * 60

    user = make_buyer()
    first = post(user, files=[pdf("old.pdf"), pdf("new.pdf")])
    assert not first.is_valid()
    old = HeldUpload.objects.get(filename="old.pdf")
    HeldUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - HELD_UPLOAD_TTL - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert discard_expired_uploads_task() == 1
    assert list(HeldUpload.objects.values_list("filename", flat=True)) == ["new.pdf"]
    assert not default_storage.exists(old.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert discard_expired_uploads_task() == 0
        assert discard_expired_uploads() == 0
    assert HeldUpload.objects.count() == 1


def test_every_form_with_an_attachments_field_keeps_its_files():
    """One way: each form of the apps with an `AttachmentsField` takes `uploader` (`KeepUploadsMixin`)."""
    import projects.amendments.forms
    import projects.forms  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    with_files = {
        form
        for form in subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in {"checks", "projects", "webinars", "portal"}
        and any(isinstance(field, AttachmentsField) for field in getattr(form, "base_fields", {}).values())
    }
    assert {form.__name__ for form in with_files} >= {
        "ApplicationForm",
        "FinalReportForm",
        "ThreadMessageForm",
        "CallForm",
        "ResponseForm",
        "AmendmentForm",
    }
    assert [form.__name__ for form in with_files if not issubclass(form, KeepUploadsMixin)] == []


def test_a_deleted_account_takes_its_kept_files_with_it(django_capture_on_commit_callbacks):
    user, other = make_buyer(), make_buyer()
    for person in (user, other):
        assert not post(person, files=[pdf()]).is_valid()
    name = HeldUpload.objects.get(uploaded_by=user).file.name
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()
    assert list(HeldUpload.objects.values_list("uploaded_by", flat=True)) == [other.pk]
    assert not default_storage.exists(name)
    assert default_storage.exists(HeldUpload.objects.get().file.name)
