"""Audit events: one typed list (portal/audit.py), labels and details in the reader's language, no personal data."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from checks.services import TRANSITIONS as APPLICATION_TRANSITIONS
from portal import audit
from portal import organisations as identity
from portal.audit import AuditAction
from portal.models import AuditEntry, IdentityDispute, Invitation, JoinRequest, Membership, Organisation
from portal.services import (
    accept_invitation,
    invitation_token,
    invite_member,
    update_organisation,
    verify_organisation,
    write_audit,
)
from projects.models import Need, Question
from projects.services import CALL_TRANSITIONS, RESPONSE_TRANSITIONS
from tests.factories import (
    UserFactory,
    make_buyer,
    make_company_user,
    make_portal_admin,
    next_org_number,
    organisation_of,
)
from webinars.models import Registration, Webinar

pytestmark = pytest.mark.django_db


def test_write_audit_refuses_a_plain_string():
    with pytest.raises(TypeError):
        write_audit(actor=None, action="organisation.created")
    with pytest.raises(TypeError):
        write_audit(actor=None, action="anything.at_all")
    assert not AuditEntry.objects.exists()


def test_write_audit_stores_the_value_and_details():
    entry = write_audit(actor=None, action=AuditAction.NEED_DELETED, details={"title": "Solpaneler"})
    entry.refresh_from_db()
    assert entry.action == "need.deleted" and entry.details == {"title": "Solpaneler"}


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_event_has_a_swedish_label(action):
    with translation.override("en"):
        english = str(action.label)
    with translation.override("sv"):
        swedish = str(action.label)
    assert swedish and swedish != english


def test_every_group_has_a_swedish_name():
    assert {action.group for action in AuditAction} == set(audit.GROUPS)
    for name in audit.GROUPS.values():
        with translation.override("en"):
            english = str(name)
        with translation.override("sv"):
            assert str(name) != english


def _targets(transitions):
    return {target for targets in transitions.values() for target in targets}


@pytest.mark.parametrize(
    ("group", "states"),
    [
        ("need", set(Need.Visibility.values)),
        ("call", _targets(CALL_TRANSITIONS)),
        ("response", _targets(RESPONSE_TRANSITIONS)),
        ("question", _targets(Question.TRANSITIONS)),
        ("application", _targets(APPLICATION_TRANSITIONS)),
        ("webinar", _targets(Webinar.TRANSITIONS)),
        ("dispute", set(IdentityDispute.Status.values) - {IdentityDispute.Status.OPEN}),
    ],
)
def test_every_reachable_state_has_an_event(group, states):
    for state in states:
        action = AuditAction.state_change(group, state)  # ValueError if there is no event for it
        assert action.group == group
        if group not in ("need", "dispute"):  # no state details (a dispute shows its reason); the others "from → to"
            assert action in audit.DESCRIPTIONS


def test_state_change_refuses_an_unknown_state():
    with pytest.raises(ValueError):
        AuditAction.state_change("call", "exploded")


def test_state_values_are_shown_with_their_labels_in_the_readers_language():
    entry = write_audit(actor=None, action=AuditAction.CALL_CANCELLED, details={"from": "open", "to": "cancelled"})
    entry.details["reason"] = "Budget"
    with translation.override("en"):
        assert entry.rendered_description() == "Open → Cancelled: Budget"
        assert entry.action_label() == "Call cancelled"
    with translation.override("sv"):
        assert entry.rendered_description() == "Öppen → Inställd: Budget"
        assert entry.action_label() == "Förfrågan inställd"


def test_old_rows_keep_their_text_and_unknown_actions_their_name():
    entry = AuditEntry.objects.create(action="need.updated", description="stage: behov → dialog")
    assert entry.rendered_description() == "stage: behov → dialog"
    old = AuditEntry.objects.create(action="removed.event")
    assert old.action_label() == "removed.event"


def test_rows_about_people_store_no_name():
    person = UserFactory(first_name="Eva", last_name="Exempel", email="eva@example.org")
    entry = write_audit(actor=None, action=AuditAction.ORGANISATION_CHANGED, obj=person)
    assert entry.object_repr == ""
    with translation.override("en"):
        assert entry.object_label() == f"User #{person.pk}"
    registration = Registration._meta.label_lower
    assert registration in audit._personal
    for model in (Membership, Invitation, JoinRequest):
        assert model._meta.label_lower in audit._personal


def test_invitations_are_logged_by_id_not_by_address(django_capture_on_commit_callbacks):
    owner = make_buyer()
    organisation = organisation_of(owner)
    invitation = invite_member(organisation=organisation, by=owner, email="ny.medlem@example.org")
    invitee = UserFactory(email="ny.medlem@example.org")
    accept_invitation(token=invitation_token(invitation), user=invitee)
    invited = AuditEntry.objects.get(action=AuditAction.ORGANISATION_INVITED)
    joined = AuditEntry.objects.get(action=AuditAction.ORGANISATION_JOINED)
    assert invited.details == {"invitation": invitation.pk, "role": "member"}
    assert joined.details == {"invitation": invitation.pk, "role": "member"} and joined.actor == invitee
    for entry in (invited, joined):
        assert "example.org" not in f"{entry.object_repr} {entry.description} {entry.details}"
    with translation.override("sv"):
        assert invited.rendered_description() == f"Inbjudan #{invitation.pk}, roll: Medlem"


def test_a_change_of_identity_keeps_old_and_new_values_shown_in_the_readers_language():
    owner = make_buyer(status=Organisation.Status.PENDING)
    organisation = organisation_of(owner)
    old_name, old_number = organisation.name, organisation.org_number
    verify_organisation(organisation=organisation, by=make_portal_admin())
    new_number = next_org_number("2120")
    update_organisation(
        organisation=organisation, by=owner, name="Nya bolaget", org_number=new_number, kind=Organisation.Kind.COMPANY
    )
    entry = AuditEntry.objects.get(action=AuditAction.ORGANISATION_REVERIFICATION)
    changes = {
        "name": {"from": old_name, "to": "Nya bolaget"},
        "org_number": {"from": old_number, "to": new_number},
        "kind": {"from": "public_body", "to": "company"},
    }
    assert entry.details == changes
    assert AuditEntry.objects.get(action=AuditAction.ORGANISATION_CHANGED).details == changes
    with translation.override("sv"):
        assert entry.action_label() == "Omverifiering efter en ändring"
        assert entry.rendered_description() == (
            f"Namn: {old_name} → Nya bolaget; Organisationsnummer: {old_number} → {new_number}; "
            "Typ: Offentlig verksamhet → Företag"
        )
    with translation.override("en"):
        assert entry.rendered_description().endswith("Kind: Public body → Company")

    verify_organisation(organisation=organisation, by=make_portal_admin())
    verified = AuditEntry.objects.filter(action=AuditAction.ORGANISATION_VERIFIED).latest("id")
    assert verified.details == changes  # what changed since the last verification


def test_requests_to_join_and_disputes_are_logged_by_id_not_by_address(django_capture_on_commit_callbacks):
    owner = make_company_user(status=Organisation.Status.PENDING)
    holder = organisation_of(owner)
    asker = UserFactory(email="kollega@example.org", first_name="Eva", last_name="Exempel")
    join_request = identity.request_to_join(organisation=holder, by=asker)
    identity.answer_join_request(join_request=join_request, by=owner, accept=False)
    dispute = identity.raise_dispute(
        by=asker, org_number=holder.org_number, kind="company", name="Riktiga AB", statement="Vårt nummer."
    )
    identity.decide_dispute(dispute=dispute, by=make_portal_admin(), uphold=False, reason="Numret är deras.")

    requested = AuditEntry.objects.get(action=AuditAction.ORGANISATION_JOIN_REQUESTED)
    declined = AuditEntry.objects.get(action=AuditAction.ORGANISATION_JOIN_DECLINED)
    assert requested.details == declined.details == {"join_request": join_request.pk}
    assert requested.actor == asker
    disputed = AuditEntry.objects.get(action=AuditAction.ORGANISATION_DISPUTED)
    assert disputed.details == {"dispute": dispute.pk, "org_number": holder.org_number, "name": "Riktiga AB"}
    rejected = AuditEntry.objects.get(action=AuditAction.DISPUTE_REJECTED)
    assert rejected.details == {"organisation": holder.pk, "new_organisation": None, "reason": "Numret är deras."}
    for entry in AuditEntry.objects.all():
        for text in ("kollega@example.org", "Eva", owner.email):
            assert text not in f"{entry.object_repr} {entry.description} {entry.details}", entry.action
    with translation.override("sv"):
        assert declined.action_label() == "Begäran om medlemskap avböjd"
        assert declined.rendered_description() == f"Begäran #{join_request.pk}"
        assert disputed.rendered_description() == (f"Tvist #{dispute.pk}: {holder.org_number}, anspråk från Riktiga AB")
        assert rejected.rendered_description() == "Skäl: Numret är deras."


def test_an_upheld_dispute_logs_the_lost_number_and_the_new_organisation():
    holder = organisation_of(make_company_user(status=Organisation.Status.PENDING))
    number = holder.org_number
    dispute = identity.raise_dispute(
        by=UserFactory(), org_number=number, kind="company", name="Riktiga AB", statement="Vårt nummer."
    )
    dispute = identity.decide_dispute(dispute=dispute, by=make_portal_admin(), uphold=True, reason="Bolagsverket.")
    lost = AuditEntry.objects.get(action=AuditAction.ORGANISATION_NUMBER_LOST)
    created = AuditEntry.objects.get(
        action=AuditAction.ORGANISATION_CREATED, object_id=str(dispute.new_organisation_id)
    )
    with translation.override("sv"):
        assert lost.rendered_description() == f"Organisationsnummer: {number} → – (tvist #{dispute.pk})"
        assert created.rendered_description() == f"Typ: Företag, efter tvist #{dispute.pk}"
    with translation.override("en"):
        assert lost.rendered_description() == f"Organisation number: {number} → – (dispute #{dispute.pk})"


@pytest.mark.parametrize(
    ("action", "details", "english", "swedish"),
    [
        (
            AuditAction.ADMIN_CHANGE,
            {"model": "portal.organisation", "fields": ["name", "memberships"]},
            "Organisation: name, memberships",
            "Organisation: namn, medlemskap",
        ),
        (AuditAction.ADMIN_DELETE, {"model": "portal.invitation"}, "Invitation", "Inbjudan"),
        (
            AuditAction.ADMIN_ACTION,
            {"model": "portal.organisation", "action": "delete_selected"},
            "Organisation: action delete_selected",
            "Organisation: åtgärd delete_selected",
        ),
        # A model or field that no longer exists is shown by its name.
        (AuditAction.ADMIN_ADD, {"model": "gone.model", "fields": ["x"]}, "gone.model: x", "gone.model: x"),
        (AuditAction.ADMIN_ADD, {"model": "portal.organisation", "fields": ["gone"]}, "Organisation: gone", None),
    ],
)
def test_django_admin_events_are_shown_in_the_readers_language(action, details, english, swedish):
    entry = write_audit(actor=None, action=action, details=details)
    with translation.override("en"):
        assert entry.rendered_description() == english
    with translation.override("sv"):
        assert entry.rendered_description() == (swedish or english)


def test_the_migration_removes_names_and_addresses_from_old_rows():
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("portal.migrations.0006_auditentry_details")
    owner = make_buyer()
    organisation = organisation_of(owner)
    invitation = Invitation.objects.create(organisation=organisation, email="ny@example.org", invited_by=owner)
    person = UserFactory(first_name="Eva", last_name="Exempel")
    about_person = AuditEntry.objects.create(
        action="webinar.registered",
        content_type=ContentType.objects.get_for_model(Registration),
        object_id="7",
        object_repr="Eva Exempel <eva@example.org> – Webbinarium",
    )
    invited = AuditEntry.objects.create(
        action="organisation.invited",
        content_type=ContentType.objects.get_for_model(organisation),
        object_id=str(organisation.pk),
        object_repr=organisation.name,
        description="ny@example.org",
    )
    joined = AuditEntry.objects.create(action="organisation.joined", description="ny@example.org")
    assigned = AuditEntry.objects.create(action="application.assigned", description="Eva Exempel")
    asker = UserFactory(email="eva.exempel@example.org")
    join_request = JoinRequest.objects.create(organisation=organisation, user=asker)
    asked = AuditEntry.objects.create(
        action="organisation.join_requested", object_id=str(organisation.pk), description=asker.email
    )
    admin_change = AuditEntry.objects.create(
        action="admin.change",
        description=f"portal.Organisation {organisation.pk}: Changed Name. Added membership “Eva Exempel – X”.",
    )
    migration.remove_personal_data(apps, None)
    for entry in (about_person, invited, joined, assigned, asked, admin_change):
        entry.refresh_from_db()
        assert "Eva" not in f"{entry.object_repr} {entry.description}" and "@" not in entry.description
    assert about_person.object_repr == ""
    assert invited.object_repr == organisation.name
    assert invited.details == {"invitation": invitation.pk, "role": "member"}
    assert assigned.details == {"handler": person.pk}
    assert asked.details == {"join_request": join_request.pk}
    assert admin_change.description == f"portal.Organisation {organisation.pk}: Changed Name. Added membership."


# --- the audit log page ------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(make_portal_admin())
    return client


def test_audit_log_shows_translated_labels_and_descriptions(admin_client):
    write_audit(actor=None, action=AuditAction.DECISION_APPROVED, details={"from": "in_review", "to": "approved"})
    admin_client.cookies["django_language"] = "sv"
    page = admin_client.get(reverse("portal:audit_log")).content.decode()
    assert "Beslut: beviljad" in page


def test_audit_log_filters_by_event_and_by_group(admin_client):
    write_audit(actor=None, action=AuditAction.CALL_OPEN, details={"from": "draft", "to": "open"})
    write_audit(actor=None, action=AuditAction.CALL_CLOSED, details={"from": "open", "to": "closed"})
    write_audit(actor=None, action=AuditAction.NEED_CREATED)
    one = admin_client.get(reverse("portal:audit_log"), {"action": "call.open"})
    assert [entry.action for entry in one.context["entries"]] == ["call.open"]
    group = admin_client.get(reverse("portal:audit_log"), {"action": "call"})
    assert {entry.action for entry in group.context["entries"]} == {"call.open", "call.closed"}
    every = admin_client.get(reverse("portal:audit_log"))
    assert len(every.context["entries"]) == 3


@pytest.mark.parametrize("value", ["no.such.event", "call.", "c", "nope\x00", "x" * 500])
def test_audit_log_filter_with_an_unknown_event_is_a_field_error_not_a_500(admin_client, value):
    write_audit(actor=None, action=AuditAction.NEED_CREATED)
    response = admin_client.get(reverse("portal:audit_log"), {"action": value})
    assert response.status_code == 200
    assert "action" in response.context["filter_form"].errors
    assert list(response.context["entries"]) == []
