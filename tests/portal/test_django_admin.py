"""The Django admin: read-only for portal admins, no way around the portal's services, superusers' changes audited."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from checks.models import Application, Review
from portal.admin import AuditedAdmin, PortalInline
from portal.audit import AuditAction
from portal.models import Attachment, AuditEntry, Invitation, Mail, Membership, Organisation, OutboxMessage
from portal.services import write_audit
from projects.models import CallAlert, Need
from tests.checks.factories import make_application
from tests.factories import OrganisationFactory, make_buyer, make_company_user, make_handler, make_portal_admin
from tests.projects.factories import (
    AssessmentFactory,
    CallFactory,
    NeedFactory,
    QuestionFactory,
    ResponseFactory,
    cpv,
    profile,
)
from tests.webinars.factories import RegistrationFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)

ADMIN_PAGES = [
    "/django-admin/",
    "/django-admin/portal/organisation/",
    "/django-admin/portal/user/",
    "/django-admin/projects/need/",
    "/django-admin/checks/grantcall/",
    "/django-admin/webinars/webinar/",
    "/django-admin/portal/auditentry/",
    "/django-admin/portal/outboxmessage/",
    "/django-admin/portal/mail/",
]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _one_of_each():
    """At least one row of every model registered in the admin (a new model needs a line here)."""
    buyer = make_buyer()
    company_user = make_company_user()
    company = company_user.memberships.get().organisation
    need = NeedFactory(organisation=buyer.memberships.get().organisation, title="Publicerat behov")
    AssessmentFactory(need=need)
    call = CallFactory(need=need)
    ResponseFactory(call=call, organisation=company)
    QuestionFactory(call=call, organisation=company)
    profile(company, codes=[cpv("09331200")], keywords="solceller")
    CallAlert.objects.create(call=call, user=company_user)
    application = make_application(state=Application.State.APPROVED)
    Review.objects.create(application=application, handler=make_handler(), recommendation="approve")
    RegistrationFactory(webinar=SpeakerFactory().webinar)
    Invitation.objects.create(organisation=need.organisation, email="ny@example.org", invited_by=buyer)
    Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(need),
        object_id=str(need.pk),
        file="attachments/x.pdf",
        filename="x.pdf",
        mime_type="application/pdf",
        size=3,
    )
    OutboxMessage.objects.create(task="portal.tasks.noop", kwargs={})
    Mail.objects.create(to=buyer.email, template="portal/mail/invitation", subject="Inbjudan", body="Hej")
    write_audit(actor=buyer, action=AuditAction.NEED_CREATED, obj=need)
    EmailAddress.objects.get_or_create(user=buyer, email=buyer.email, defaults={"verified": True, "primary": True})


def test_every_admin_follows_the_portal_rules():
    """New ModelAdmins and inlines must derive from the portal's bases, or the rules below would not hold."""
    for model, model_admin in REGISTERED:
        assert isinstance(model_admin, AuditedAdmin), model._meta.label
        for inline in model_admin.inlines:
            assert issubclass(inline, PortalInline), (model._meta.label, inline)


@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_portal_admin_can_add_change_or_delete_nothing(client, model):
    _one_of_each()
    portal_admin = make_portal_admin()
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"add a {model._meta.label} to _one_of_each"
    rows = model._default_manager.count()
    client.force_login(portal_admin)

    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {}).status_code == 403
    assert client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    client.post(_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    page = client.get(_url(model, "change", obj.pk))
    if page.status_code == 200:
        assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
        for fieldset in page.context["adminform"]:
            for line in fieldset:
                assert all(field.is_readonly for field in line), model._meta.label
        for inline in page.context["inline_admin_formsets"]:
            assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)

    assert model._default_manager.count() == rows
    assert not LogEntry.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith=f"{AuditAction.ADMIN_ADD.group}.").exists()


def test_portal_admin_cannot_make_themselves_owner_of_an_organisation(client):
    """The attack: add oneself as owner in the organisation's membership inline, then read its drafts."""
    organisation = OrganisationFactory(name="Annans kommun")
    portal_admin = make_portal_admin()
    client.force_login(portal_admin)
    data = {
        "name": organisation.name,
        "kind": organisation.kind,
        "org_number": organisation.org_number,
        "status": organisation.status,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": portal_admin.pk,
        "memberships-0-role": "owner",
    }

    response = client.post(_url(Organisation, "change", organisation.pk), data)

    assert response.status_code == 403
    assert not Membership.objects.filter(user=portal_admin).exists()
    assert client.get("/django-admin/portal/membership/add/").status_code == 404  # not registered on its own


def test_django_permissions_on_a_group_do_not_open_the_admin(client):
    """Only superusers change things here, whatever model permissions a group was given."""
    organisation = OrganisationFactory(name="Gammalt namn")
    staff = make_portal_admin()
    group = Group.objects.get(name="portal_admins")
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["portal", "auth", "projects"]))
    client.force_login(staff)

    response = client.post(_url(Organisation, "change", organisation.pk), {"name": "Nytt namn"})

    assert response.status_code == 403
    assert client.get(reverse("admin:portal_user_add")).status_code == 403
    assert client.get(reverse("admin:projects_response_changelist")).status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Gammalt namn"


def test_portal_admin_sees_neither_responses_nor_draft_needs(client):
    published = NeedFactory(title="Publicerat behov")
    draft = NeedFactory(title="Hemligt utkast", visibility=Need.Visibility.DRAFT)
    response = ResponseFactory(call=CallFactory(need=published), summary="Företagets lösning")
    client.force_login(make_portal_admin())

    listing = client.get(reverse("admin:projects_need_changelist")).content.decode()
    assert "Publicerat behov" in listing and "Hemligt utkast" not in listing
    assert client.get(_url(Need, "change", published.pk)).status_code == 200
    assert client.get(_url(Need, "change", draft.pk)).status_code == 302  # "does not exist", as for a wrong id
    assert client.get(reverse("admin:projects_response_changelist")).status_code == 403
    assert client.get(_url(type(response), "change", response.pk)).status_code == 403
    assert client.get(reverse("admin:portal_attachment_changelist")).status_code == 403
    assert client.get(reverse("admin:checks_application_changelist")).status_code == 200
    index = client.get("/django-admin/").content.decode()
    assert reverse("admin:projects_response_changelist") not in index
    assert reverse("admin:projects_need_changelist") in index


def test_portal_admin_does_not_see_draft_applications(client):
    draft = make_application(state=Application.State.DRAFT)
    draft.title = "Utkast till ansökan"
    draft.save()
    client.force_login(make_portal_admin())
    listing = client.get(reverse("admin:checks_application_changelist")).content.decode()
    assert "Utkast till ansökan" not in listing
    assert client.get(_url(Application, "change", draft.pk)).status_code == 302


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_portal_admin_looks_things_up_in_the_django_admin(client, path):
    client.force_login(make_portal_admin())
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("maker", [make_buyer, make_handler])
def test_others_cannot_enter_the_django_admin(client, maker):
    client.force_login(maker())
    response = client.get("/django-admin/projects/need/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]


def test_portal_admin_cannot_change_accounts_in_the_django_admin(client):
    """Emails, passwords, staff status and groups: not here for portal admins (the portal's pages audit them)."""
    other = make_buyer(email="annan@example.org")
    portal_admin = make_portal_admin()
    client.force_login(portal_admin)
    page = client.get(f"/django-admin/portal/user/{other.pk}/change/").content.decode()
    for field in ("email", "is_staff", "is_superuser", "groups", "password"):
        assert f'name="{field}"' not in page, field
    # Not even the hash's summary (its salt); "md5" alone may turn up in a random token.
    assert other.password not in page and other.password.split("$")[1] not in page
    assert client.get(f"/django-admin/portal/user/{other.pk}/password/").status_code == 403
    new_password = {"password1": "Nytt-losen-2026!", "password2": "Nytt-losen-2026!"}
    assert client.post(f"/django-admin/portal/user/{other.pk}/password/", new_password).status_code == 403
    own_page = f"/django-admin/portal/user/{portal_admin.pk}/change/"
    assert client.post(own_page, {"email": portal_admin.email, "is_superuser": "on"}).status_code == 403
    other.refresh_from_db()
    assert not other.check_password("Nytt-losen-2026!")
    assert client.get("/django-admin/portal/user/add/").status_code == 403
    assert client.get(reverse("admin:account_emailaddress_changelist")).status_code == 403


def test_superuser_change_in_the_django_admin_is_audited(client):
    organisation = OrganisationFactory(name="Gammalt namn")
    superuser = make_portal_admin(is_superuser=True)
    member = make_buyer()
    client.force_login(superuser)
    data = {
        "name": "Nytt namn",
        "kind": organisation.kind,
        "org_number": organisation.org_number,
        "status": organisation.status,
        "address": organisation.address,
        "website": organisation.website,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": member.pk,
        "memberships-0-role": "member",
    }
    page = client.get(_url(Organisation, "change", organisation.pk))
    form = page.context["adminform"].form
    data.update({name: form[name].value() or "" for name in form.fields if name not in data})

    response = client.post(_url(Organisation, "change", organisation.pk), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_CHANGE)
    assert (entry.actor, entry.object_id, entry.target) == (superuser, str(organisation.pk), organisation)
    assert entry.details == {"model": "portal.organisation", "fields": ["name", "memberships"]}
    with translation.override("en"):
        assert entry.rendered_description() == "Organisation: name, memberships"
    with translation.override("sv"):
        assert entry.rendered_description() == "Organisation: namn, medlemskap"
    for text in (member.email, str(member)):  # the inline row named the new member; the audit row does not
        assert text not in f"{entry.object_repr} {entry.description} {entry.details}"


def test_superuser_adds_a_user_and_sets_a_password_audited(client):
    from portal.models import User

    superuser = make_portal_admin(is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        "/django-admin/portal/user/add/",
        {"email": "ny@example.org", "password1": "Ett-langt-losen-2026", "password2": "Ett-langt-losen-2026"},
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    created = User.objects.get(email="ny@example.org")
    added = AuditEntry.objects.get(action=AuditAction.ADMIN_ADD, object_id=str(created.pk))
    assert added.details["model"] == "portal.user" and "email" in added.details["fields"]
    assert added.object_repr == ""  # a user is a person: no name or address in the log

    response = client.post(
        f"/django-admin/portal/user/{created.pk}/password/",
        {"password1": "Ett-annat-losen-2027", "password2": "Ett-annat-losen-2027"},
    )
    assert response.status_code == 302
    change = AuditEntry.objects.get(action=AuditAction.ADMIN_CHANGE, object_id=str(created.pk))
    assert change.details == {"model": "portal.user", "fields": ["password"]}
    with translation.override("en"):
        assert "password" in change.rendered_description().lower()


def test_superuser_delete_in_the_django_admin_is_audited(client):
    invitation = Invitation.objects.create(organisation=OrganisationFactory(), email="bort@example.org")
    client.force_login(make_portal_admin(is_superuser=True))
    response = client.post(_url(Invitation, "delete", invitation.pk), {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_DELETE)
    assert entry.object_id == str(invitation.pk) and entry.details == {"model": "portal.invitation"}
    # The row names what was deleted by kind and id, not by the invited address (portal/audit.py).
    assert entry.object_repr == "" and "bort@example.org" not in str(entry.details)
    with translation.override("en"):
        assert entry.object_label() == f"Invitation #{invitation.pk}"


def test_superuser_admin_action_is_audited(client):
    """Actions change rows without Django's LogEntry (allauth's "mark verified"): each object gets an audit row."""
    address = EmailAddress.objects.create(user=make_buyer(), email="overifierad@example.org", verified=False)
    client.force_login(make_portal_admin(is_superuser=True))
    response = client.post(
        reverse("admin:account_emailaddress_changelist"), {"action": "make_verified", "_selected_action": [address.pk]}
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_ACTION)
    assert entry.object_id == str(address.pk)
    assert entry.details == {"model": "account.emailaddress", "action": "make_verified"}
    assert entry.object_repr == ""  # an email address is personal data


def test_nobody_edits_the_audit_log_in_the_django_admin(client):
    entry = write_audit(actor=None, action=AuditAction.NEED_CREATED)
    client.force_login(make_portal_admin(is_superuser=True))
    assert client.post(_url(AuditEntry, "change", entry.pk), {"action": "x"}).status_code == 403
    assert client.post(_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403


def test_django_admin_login_cannot_bypass_two_factor(client):
    """The admin's own password form would sign a staff user in without the TOTP step allauth asks for."""
    admin_user = make_portal_admin(email="mfa-admin@example.org")
    admin_user.set_password("Ett-langt-losenord-2026")
    admin_user.save()
    response = client.post(
        "/django-admin/login/",
        {"username": "mfa-admin@example.org", "password": "Ett-langt-losenord-2026", "next": "/django-admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outbox_rows_are_shown_read_only_with_their_error(client):
    waiting = OutboxMessage.objects.create(
        task="portal.tasks.render_document_task",
        kwargs={"kind": "decision_support", "document_id": 7},
        attempts=2,
        last_error="OperationalError: Error 111 connecting to 127.0.0.1:6379. Connection refused.",
    )
    client.force_login(make_portal_admin())
    listing = client.get("/django-admin/portal/outboxmessage/?sent_at__isempty=1").content.decode()
    assert "portal.tasks.render_document_task" in listing
    page = client.get(f"/django-admin/portal/outboxmessage/{waiting.pk}/change/").content.decode()
    assert "Connection refused" in page
    assert 'name="task"' not in page  # nothing to edit
    assert client.get("/django-admin/portal/outboxmessage/add/").status_code == 403
    assert client.post(f"/django-admin/portal/outboxmessage/{waiting.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=waiting.pk).exists()


def test_portal_admins_see_whether_a_mail_went_out_but_not_what_it_says(client):
    sent = Mail.objects.create(
        to="mottagare@example.org",
        template="account/email/password_reset_key",
        subject="Återställ ditt lösenord",
        body="Klicka: https://portal.example/accounts/password/reset/key/hemlig-nyckel/",
        attachments=[{"name": "beslut.pdf", "content": "JVBERg==", "mimetype": "application/pdf"}],
        status=Mail.Status.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )
    client.force_login(make_portal_admin())
    listing = client.get(reverse("admin:portal_mail_changelist")).content.decode()
    assert "mottagare@example.org" in listing and "Återställ" not in listing
    page = client.get(_url(Mail, "change", sent.pk)).content.decode()
    assert "550 no such user" in page and "account/email/password_reset_key" in page
    for secret in ("Återställ", "hemlig-nyckel", "beslut.pdf"):
        assert secret not in page, secret
    found = client.get(reverse("admin:portal_mail_changelist"), {"q": "lösenord"}).content.decode()
    assert "mottagare@example.org" not in found  # nor found by what it says

    client.force_login(make_portal_admin(email="super@example.org", is_superuser=True))
    page = client.get(_url(Mail, "change", sent.pk)).content.decode()
    assert "Återställ ditt lösenord" in page and "hemlig-nyckel" in page and "beslut.pdf" in page
    assert 'name="status"' not in page  # read-only for superusers too: the send task marks a mail sent once
    assert client.get(_url(Mail, "add")).status_code == 403
    assert client.post(_url(Mail, "delete", sent.pk), {"post": "yes"}).status_code == 403
    assert Mail.objects.filter(pk=sent.pk, status=Mail.Status.FAILED).exists()
