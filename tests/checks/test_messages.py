"""Messages between the applicant and the handlers, internal notes, the completion deadline and the versions."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks import services
from checks.messages import selectors as message_selectors
from checks.messages import services as message_services
from checks.messages.models import ApplicationSnapshot, Message
from portal.audit import AuditAction
from portal.files import attach_bytes
from portal.models import AuditEntry, Membership
from portal.services import ServiceError
from tests.factories import UserFactory, make_buyer, make_company_user, make_handler, organisation_of

from .factories import make_application, reply_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
S = Message.Sender
PDF = b"%PDF-1.4\n" + b"x" * 100


def thread_url(application):
    return reverse("checks:messages", args=[application.pk])


def post(client, user, application, **data):
    client.force_login(user)
    return client.post(thread_url(application), {"body": "", **data})


# --- Mail -----------------------------------------------------------------------------------------------------


def test_applicant_message_is_mailed_to_the_assigned_handler_only(client, django_capture_on_commit_callbacks):
    handler, other = make_handler(), make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, application.contact, application, body="Offerten kommer i morgon.")
    assert response.status_code == 302
    assert response["Location"] == reverse("checks:application_detail", args=[application.pk]) + "#messages-heading"
    assert [m.to for m in mail.outbox] == [[handler.email]]
    assert "Offerten kommer i morgon." in mail.outbox[0].body
    assert other.email not in {m.to[0] for m in mail.outbox}
    message = Message.objects.get()
    assert (message.sender, message.internal, message.author) == (S.APPLICANT, False, application.contact)


def test_applicant_message_goes_to_every_handler_when_nobody_is_assigned(django_capture_on_commit_callbacks):
    application = make_application(state="in_review")
    handlers = {make_handler().email, make_handler().email}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.post_message(application=application, by=application.contact, body="Fråga")
    assert handlers <= {m.to[0] for m in mail.outbox}
    assert application.contact.email not in {m.to[0] for m in mail.outbox}


def test_handlers_with_a_conflict_get_no_mail_and_cannot_write(client, django_capture_on_commit_callbacks):
    application = make_application(state="in_review")
    free, conflicted = make_handler(), make_handler()
    services.declare_conflict(handler=conflicted, reason="Jäv", organisation=application.organisation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.post_message(application=application, by=application.contact, body="Fråga")
    recipients = {m.to[0] for m in mail.outbox}
    assert free.email in recipients and conflicted.email not in recipients
    response = post(client, conflicted, application, body="Svar")
    assert response.status_code == 405
    with pytest.raises(ServiceError) as error:
        message_services.post_message(application=application, by=conflicted, body="Svar")
    assert error.value.message == "Du har anmält jäv för den här ansökan."
    assert Message.objects.count() == 1


def test_handler_message_is_mailed_to_every_member_in_their_language(django_capture_on_commit_callbacks):
    contact = make_buyer(language="en")
    member = UserFactory(language="sv")
    Membership.objects.create(user=member, organisation=organisation_of(contact), role="member")
    application = make_application(buyer=contact, state="in_review")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.post_message(application=application, by=make_handler(), body="Hej")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {contact.email, member.email}
    assert by_address[contact.email].subject == f"New message from the handler: {application.reference}"
    assert by_address[member.email].subject == f"Nytt meddelande från handläggaren: {application.reference}"


# --- Internal notes -------------------------------------------------------------------------------------------


def test_internal_note_is_never_shown_served_or_mailed_to_the_applicant(client, django_capture_on_commit_callbacks):
    handler = make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    mail.outbox.clear()
    client.force_login(handler)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            thread_url(application),
            {"body": "HEMLIG ANTECKNING", "internal": "on", "attachments": [SimpleUploadedFile("intern.pdf", PDF)]},
        )
    assert response.status_code == 302
    assert mail.outbox == []
    note = Message.objects.get()
    assert note.internal and note.sender == S.HANDLER
    file_url = reverse("portal:attachment_download", args=[message_selectors.attachments_of(note)[0].uuid])
    assert client.get(file_url).status_code == 200
    assert "HEMLIG ANTECKNING" in client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()

    client.force_login(application.contact)
    for url in (thread_url(application), reverse("checks:application_detail", args=[application.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert "HEMLIG ANTECKNING" not in page.content.decode()
        assert "intern.pdf" not in page.content.decode()
    assert client.get(file_url).status_code == 404


def test_applicant_cannot_write_an_internal_note():
    application = make_application(state="in_review")
    with pytest.raises(ServiceError) as error:
        message_services.post_message(application=application, by=application.contact, body="x", internal=True)
    assert error.value.message == "Bara handläggare kan skriva interna anteckningar."


# --- Attachments and access -----------------------------------------------------------------------------------


def test_message_attachment_downloads_for_the_thread_and_404_for_others(client):
    application = make_application(state="in_review")
    response = post(
        client,
        application.contact,
        application,
        body="Offerten",
        attachments=[SimpleUploadedFile("offert.pdf", PDF)],
    )
    assert response.status_code == 302
    attachment = message_selectors.attachments_of(Message.objects.get())[0]
    url = reverse("portal:attachment_download", args=[attachment.uuid])
    assert client.get(url).status_code == 200
    client.force_login(make_handler())
    assert client.get(url).status_code == 200
    for outsider in (make_buyer(), make_company_user()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_a_message_to_someone_elses_application_is_404(client):
    application = make_application(state="in_review")
    response = post(client, make_buyer(), application, body="Hej")
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_no_thread_for_a_draft(client):
    application = make_application()
    client.force_login(application.contact)
    assert client.get(thread_url(application)).status_code == 404
    assert client.post(thread_url(application), {"body": "Hej"}).status_code == 404


# --- Bad input ------------------------------------------------------------------------------------------------


def test_empty_message_is_refused_next_to_the_field(client):
    application = make_application(state="in_review")
    response = post(client, application.contact, application, body="   ")
    assert response.status_code == 400
    assert response.context["message_form"].errors["body"] == ["Detta fält måste fyllas i."]
    assert not Message.objects.exists()


def test_forbidden_attachment_is_refused_and_the_text_stays(client):
    application = make_application(state="in_review")
    response = post(
        client,
        application.contact,
        application,
        body="Här är filen",
        attachments=[SimpleUploadedFile("virus.exe", b"MZ\x90\x00" + b"x" * 50)],
    )
    assert response.status_code == 400
    form = response.context["message_form"]
    assert "attachments" in form.errors and "body" not in form.errors
    assert "Här är filen</textarea>" in response.content.decode()
    assert not Message.objects.exists()


def test_too_large_attachment_is_refused_and_the_text_stays(client, settings):
    settings.MAX_UPLOAD_SIZE = 50
    application = make_application(state="in_review")
    response = post(
        client, application.contact, application, body="Stor fil", attachments=[SimpleUploadedFile("a.pdf", PDF)]
    )
    assert response.status_code == 400
    assert "attachments" in response.context["message_form"].errors
    assert "Stor fil</textarea>" in response.content.decode()


def test_message_writes_a_typed_audit_row():
    application = make_application(state="in_review")
    handler = make_handler()
    message = message_services.post_message(application=application, by=handler, body="Hej")
    note = message_services.post_message(application=application, by=handler, body="Intern", internal=True)
    actions = list(
        AuditEntry.objects.filter(action__startswith="application.")
        .filter(action__in=[AuditAction.APPLICATION_MESSAGE_SENT, AuditAction.APPLICATION_NOTE_WRITTEN])
        .order_by("id")
        .values_list("action", "details")
    )
    assert actions == [
        (AuditAction.APPLICATION_MESSAGE_SENT.value, {"message": message.pk, "files": 0}),
        (AuditAction.APPLICATION_NOTE_WRITTEN.value, {"message": note.pk, "files": 0}),
    ]


# --- Completion deadline --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply_by", "field_error"),
    [
        (None, "Ange det datum då den sökande senast ska svara."),
        (timezone.localdate, "Sista svarsdag måste vara efter i dag."),
        (lambda: datetime.date(2101, 1, 1), "Ange ett datum från 2000-01-01 till 2100-12-31."),
    ],
)
def test_completion_request_needs_a_reply_date_in_the_future_and_in_range(reply_by, field_error):
    application = make_application(state="in_review")
    with pytest.raises(ServiceError) as error:
        services.request_completion(
            application=application, by=make_handler(), message="M", reply_by=reply_by() if reply_by else None
        )
    assert (error.value.field, error.value.message) == ("reply_by", field_error)


def test_completion_form_keeps_the_message_when_the_date_is_missing(client):
    handler = make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    client.force_login(handler)
    response = client.post(reverse("checks:request_completion", args=[application.pk]), {"message": "Bifoga offert"})
    assert response.status_code == 400
    assert response.context["form"].errors["reply_by"] == ["Detta fält måste fyllas i."]
    assert "Bifoga offert</textarea>" in response.content.decode()


def test_applicant_sees_the_deadline_and_handler_sees_overdue(client):
    handler = make_handler()
    application = make_application(state="completion_requested", assigned_to=handler)
    request = application.state_changes.get(to_state="completion_requested")
    client.force_login(application.contact)
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert f"Skicka in den kompletterade ansökan senast {request.reply_by:%Y-%m-%d}." in page
    client.force_login(handler)
    review_url = reverse("checks:review_detail", args=[application.pk])
    assert "data-overdue" not in client.get(review_url).content.decode()
    request.reply_by = timezone.localdate() - datetime.timedelta(days=1)
    request.save()
    assert "data-overdue" in client.get(review_url).content.decode()
    client.force_login(application.contact)
    assert (
        "data-overdue" not in client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    )


# --- Versions -------------------------------------------------------------------------------------------------


def test_handler_sees_what_the_applicant_changed(client):
    handler = make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    application.background = "Fallolyckor är vanliga."
    application.save()
    first_line = application.budget_lines.first()
    services.request_completion(application=application, by=handler, message="M", reply_by=reply_date())
    application.refresh_from_db()
    application.background = "Fallolyckor är mycket vanliga."
    application.save()
    old_amount = first_line.amount
    first_line.amount = old_amount - 20_000
    first_line.save()
    application.budget_lines.create(kind="testbed", description="Testbädd", amount=20_000)
    services.resubmit_application(application=application, by=application.contact)
    assert list(application.snapshots.values_list("moment", flat=True)) == ["requested", "returned"]

    client.force_login(handler)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert (
        '<ins><span class="visually-hidden">[tillagt: </span>mycket <span class="visually-hidden">]</span></ins>'
        in page
    )
    assert "Vad den sökande har ändrat" in page
    versions = client.get(thread_url(application)).context["versions"]
    assert [(line.change, line.description, line.after) for line in versions["lines"]] == [
        ("changed", first_line.description, old_amount - 20_000),
        ("added", "Testbädd", 20_000),
    ]
    assert [part.label for part in versions["fields"]] == ["Bakgrund"]
    client.force_login(application.contact)
    assert "Vad den sökande har ändrat" not in client.get(thread_url(application)).content.decode()


def test_snapshot_keeps_fields_and_budget_lines():
    application = make_application(state="completion_requested")
    snapshot = application.snapshots.get()
    assert snapshot.moment == ApplicationSnapshot.Moment.REQUESTED
    assert snapshot.content["fields"]["title"] == application.title
    assert len(snapshot.content["budget"]) == application.budget_lines.count()


# --- Queries --------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("as_handler", [False, True])
def test_thread_page_queries_do_not_grow_with_messages(client, as_handler):
    handler = make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    message_services.post_message(application=application, by=application.contact, body="Ett")
    client.force_login(handler if as_handler else application.contact)
    url = thread_url(application)
    client.get(url)
    one = _count(client, url)
    for number in range(8):
        message = message_services.post_message(application=application, by=handler, body=f"Svar {number}")
        attach_bytes(owner=message, content=PDF, filename=f"f{number}.pdf")
    many = _count(client, url)
    assert one == many
    assert many <= 15


@pytest.mark.parametrize("as_handler", [False, True])
def test_application_pages_with_the_thread_do_not_grow_with_messages(client, as_handler):
    handler = make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    message_services.post_message(application=application, by=application.contact, body="Ett")
    client.force_login(handler if as_handler else application.contact)
    url = reverse("checks:review_detail" if as_handler else "checks:application_detail", args=[application.pk])
    client.get(url)
    one = _count(client, url)
    for number in range(8):
        message = message_services.post_message(application=application, by=handler, body=f"Svar {number}")
        attach_bytes(owner=message, content=PDF, filename=f"f{number}.pdf")
    assert _count(client, url) == one


def test_the_thread_and_the_handlers_page_are_stored_per_user_and_a_new_message_shows_at_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_PAGE_CACHE = True
    handler, colleague = make_handler(), make_handler()
    application = make_application(state="in_review", assigned_to=handler)
    client.force_login(handler)
    for url in (thread_url(application), reverse("checks:review_detail", args=[application.pk])):
        client.get(url)
        client.get(url)  # stored
        assert _count(client, url) <= 4  # the user, the membership, the groups; no page query
    with django_capture_on_commit_callbacks(execute=True):
        message_services.post_message(application=application, by=application.contact, body="Helt ny fråga")
    for url in (thread_url(application), reverse("checks:review_detail", args=[application.pk])):
        assert "Helt ny fråga" in client.get(url).content.decode()
    client.force_login(colleague)  # another handler never gets the first one's copy
    with CaptureQueriesContext(connection) as context:
        assert client.get(thread_url(application)).status_code == 200
    assert any("checks_message" in query["sql"] for query in context.captured_queries)
