import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from portal import organisations as identity
from portal import services
from portal.audit import AuditAction
from portal.models import AuditEntry, IdentityDispute, Invitation, JoinRequest, Membership, Organisation
from portal.services import INVITATION_SALT, invitation_token
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    make_buyer,
    make_company_user,
    make_handler,
    make_portal_admin,
    next_org_number,
    organisation_of,
)

pytestmark = pytest.mark.django_db


def test_create_organisation_makes_owner_and_pending_public_body(client):
    user = UserFactory()
    client.force_login(user)
    number = next_org_number("2120")
    response = client.post(
        reverse("portal:organisation_create"),
        {"kind": "public_body", "name": "Testkommun", "org_number": number.replace("-", "")},
    )
    organisation = Organisation.objects.get(name="Testkommun")
    assert response.status_code == 302
    assert organisation.org_number == number
    assert organisation.status == Organisation.Status.PENDING
    assert Membership.objects.get(user=user, organisation=organisation).role == "owner"
    assert AuditEntry.objects.filter(action=AuditAction.ORGANISATION_CREATED, object_id=str(organisation.pk)).exists()
    assert client.session["active_organisation_id"] == organisation.pk


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("212000-0143", "Kontrollsiffran stämmer inte"),
        ("811218-9876", "tredje och fjärde siffran"),
        ("12345", "NNNNNN-NNNN"),
    ],
)
def test_create_organisation_with_bad_number_shows_error_and_keeps_input(client, number, message):
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:organisation_create"),
        {"kind": "public_body", "name": "Behåll mig", "org_number": number, "address": "Storgatan 1"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert "Behåll mig" in content and "Storgatan 1" in content
    assert 'class="error-summary"' in content
    assert not Organisation.objects.filter(name="Behåll mig").exists()


def test_create_organisation_with_duplicate_number_is_refused(client):
    existing = OrganisationFactory()
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:organisation_create"),
        {"kind": "company", "name": "Kopia AB", "org_number": existing.org_number},
    )
    assert response.status_code == 200
    assert "redan registrerad" in response.content.decode()
    assert Organisation.objects.filter(org_number=existing.org_number).count() == 1


def test_owner_invites_member_and_invitee_accepts_once(client, django_capture_on_commit_callbacks):
    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:organisation_invite", args=[organisation.pk]),
            {"email": "Kollega@Example.org", "role": "member"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.email == "kollega@example.org"
    assert len(mail.outbox) == 1
    # The mail's link carries this invitation's signed token (its timestamp may be a second older than a new one).
    link = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body)
    assert link is not None
    token = link.group(1)
    assert token.split(":")[0] == invitation_token(invitation).split(":")[0]

    invitee = UserFactory(email="kollega@example.org")
    client.force_login(invitee)
    response = client.post(reverse("portal:invitation_accept", args=[token]))
    assert response.status_code == 302
    assert Membership.objects.get(user=invitee, organisation=organisation).role == "member"

    again = client.post(reverse("portal:invitation_accept", args=[token]))
    assert again.status_code == 400
    assert "redan accepterats" in again.content.decode()
    assert Membership.objects.filter(user=invitee).count() == 1


def test_member_who_is_not_owner_cannot_invite(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    member = make_buyer(organisation=organisation, role="member")
    client.force_login(member)
    response = client.post(reverse("portal:organisation_invite", args=[organisation.pk]), {"email": "x@example.org"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_invitation_link_forged_expired_or_for_someone_else_changes_nothing(client, settings):
    owner = make_buyer()
    organisation = organisation_of(owner)
    invitation = Invitation.objects.create(organisation=organisation, email="rätt@example.org", invited_by=owner)
    intruder = UserFactory(email="fel@example.org")
    client.force_login(intruder)

    forged = client.post(reverse("portal:invitation_accept", args=["not-a-token"]))
    assert forged.status_code == 400 and "inte giltig" in forged.content.decode()

    tampered = signing.dumps({"id": invitation.pk, "email": "fel@example.org"}, salt="wrong-salt")
    assert client.post(reverse("portal:invitation_accept", args=[tampered])).status_code == 400

    wrong_person = client.post(reverse("portal:invitation_accept", args=[invitation_token(invitation)]))
    assert wrong_person.status_code == 400
    assert "annan e-postadress" in wrong_person.content.decode()

    expired = signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=INVITATION_SALT)
    settings.SECRET_KEY = settings.SECRET_KEY  # same key, but pretend the link is old:
    from unittest import mock

    with mock.patch("portal.services.INVITATION_MAX_AGE", -1):
        old = client.post(reverse("portal:invitation_accept", args=[expired]))
    assert old.status_code == 400 and "gått ut" in old.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()


def test_switch_organisation_only_to_own_memberships(client):
    user = make_buyer()
    company = OrganisationFactory(kind="company")
    Membership.objects.create(user=user, organisation=company, role="member")
    stranger_org = OrganisationFactory()
    client.force_login(user)

    client.post(reverse("portal:organisation_switch"), {"organisation": company.pk})
    assert client.session["active_organisation_id"] == company.pk
    assert client.get(reverse("portal:dashboard")).context["active_organisation"] == company

    response = client.post(reverse("portal:organisation_switch"), {"organisation": stranger_org.pk}, follow=True)
    assert client.session["active_organisation_id"] == company.pk
    assert "inte medlem" in response.content.decode()


def test_acting_for_an_organisation_one_has_left_falls_back_with_a_message(client):
    user = make_buyer()
    home = organisation_of(user)
    other = OrganisationFactory(kind="company")
    membership = Membership.objects.create(user=user, organisation=other)
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": other.pk})
    membership.delete()

    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.context["active_organisation"] == home
    assert "tillhör inte längre" in response.content.decode()
    assert "active_organisation_id" not in client.session


def test_organisation_page_of_another_organisation_is_not_found(client):
    client.force_login(make_company_user())
    other = OrganisationFactory()
    assert client.get(reverse("portal:organisation_detail", args=[other.pk])).status_code == 404


def test_services_create_organisation_rejects_duplicate_number():
    user = UserFactory()
    existing = OrganisationFactory()
    with pytest.raises(services.ServiceError):
        services.create_organisation(by=user, kind="company", name="X", org_number=existing.org_number)


def test_mails_are_plain_text_without_html_escaping(django_capture_on_commit_callbacks):
    owner = make_buyer()
    organisation = organisation_of(owner)
    organisation.name = "Vatten & Avlopp i Norr"
    organisation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(organisation=organisation, by=owner, email="ny@example.org")
    assert "Vatten & Avlopp i Norr" in mail.outbox[0].subject
    assert "&amp;" not in mail.outbox[0].body


def test_create_organisation_with_too_long_website_shows_error_not_500(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:organisation_create"),
        {
            "kind": "company",
            "name": "Lång webbadress AB",
            "org_number": next_org_number("5560"),
            "website": "https://example.se/" + "a" * 250,
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in content
    assert "Lång webbadress AB" in content
    assert not Organisation.objects.filter(name="Lång webbadress AB").exists()


@pytest.mark.parametrize("address", ["inte-en-adress", "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "se"])
def test_invitation_to_invalid_or_too_long_email_shows_error_on_the_page(client, address):
    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)
    response = client.post(
        reverse("portal:organisation_invite", args=[organisation.pk]), {"email": address, "role": "member"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in content
    assert address in content
    assert not Invitation.objects.filter(organisation=organisation).exists()


def test_expired_invitations_are_not_listed_as_waiting(client):
    from datetime import timedelta

    from django.utils import timezone

    owner = make_buyer()
    organisation = organisation_of(owner)
    Invitation.objects.create(organisation=organisation, email="ny@example.se", invited_by=owner)
    old = Invitation.objects.create(organisation=organisation, email="gammal@example.se", invited_by=owner)
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=15))
    client.force_login(owner)
    content = client.get(reverse("portal:organisation_detail", args=[organisation.pk])).content.decode()
    assert "ny@example.se" in content
    assert "gammal@example.se" not in content


def test_rejected_public_body_corrects_details_and_asks_to_be_verified_again(client):
    owner = make_buyer(status=Organisation.Status.REJECTED)
    organisation = organisation_of(owner)
    organisation.rejection_reason = "Fel namn."
    organisation.save()
    client.force_login(owner)
    page = client.get(reverse("portal:organisation_edit", args=[organisation.pk])).content.decode()
    assert "Fel namn." in page and 'name="resubmit"' in page

    response = client.post(
        reverse("portal:organisation_edit", args=[organisation.pk]),
        {
            "kind": "public_body",
            "name": "Rätt namn kommun",
            "org_number": organisation.org_number,
            "address": "",
            "website": "",
            "resubmit": "1",
        },
    )
    organisation.refresh_from_db()
    assert response.status_code == 302
    assert organisation.name == "Rätt namn kommun"
    assert organisation.status == Organisation.Status.PENDING and organisation.rejection_reason == ""
    assert AuditEntry.objects.filter(
        action=AuditAction.ORGANISATION_RESUBMITTED, object_id=str(organisation.pk)
    ).exists()


def test_organisation_edit_keeps_input_on_error_and_a_verified_body_cannot_resubmit(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)
    bad = client.post(
        reverse("portal:organisation_edit", args=[organisation.pk]), {"name": "", "address": "Kvar här", "website": ""}
    )
    assert bad.status_code == 400 and "Kvar här" in bad.content.decode()
    crafted = client.post(
        reverse("portal:organisation_edit", args=[organisation.pk]),
        {
            "kind": organisation.kind,
            "name": "Nytt",
            "org_number": organisation.org_number,
            "address": "",
            "website": "",
            "resubmit": "1",
        },
    )
    organisation.refresh_from_db()
    assert crafted.status_code == 400
    assert organisation.status == Organisation.Status.VERIFIED and organisation.name != "Nytt"


def test_only_owners_may_change_the_organisation(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    member = make_buyer(organisation=organisation, role="member")
    client.force_login(member)
    response = client.post(
        reverse("portal:organisation_edit", args=[organisation.pk]),
        {"kind": organisation.kind, "name": "Kapad", "org_number": organisation.org_number},
    )
    organisation.refresh_from_db()
    assert response.status_code == 404
    assert organisation.name != "Kapad"


def test_create_organisation_with_non_ascii_digits_shows_the_format_error(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:organisation_create"),
        {"kind": "company", "name": "Siffror AB", "org_number": "٥٥٦٠٣٦-٠٧٩٣"},
    )
    assert response.status_code == 200
    assert "NNNNNN-NNNN" in response.content.decode()
    assert not Organisation.objects.filter(name="Siffror AB").exists()


def test_duplicate_number_registered_at_the_same_moment_gives_the_field_error(client, monkeypatch):
    # Two tabs: both pass the "already registered?" check before either saves; the unique constraint
    # then refuses the second. Simulate that by letting the check see nothing.
    from django.db.models import QuerySet

    existing = OrganisationFactory()
    user = UserFactory()
    client.force_login(user)
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    response = client.post(
        reverse("portal:organisation_create"),
        {"kind": "company", "name": "Samtidigt AB", "org_number": existing.org_number},
    )
    monkeypatch.undo()
    assert response.status_code == 200
    assert "redan registrerad" in response.content.decode()
    assert Organisation.objects.filter(org_number=existing.org_number).count() == 1
    assert not Organisation.objects.filter(name="Samtidigt AB").exists()
    assert not Membership.objects.filter(user=user).exists()


# --- identity: a taken number, requests to join, disputes -----------------------------------------------------------


def _register(client, number, kind="company", name="Riktiga AB"):
    return client.post(reverse("portal:organisation_create"), {"kind": kind, "name": name, "org_number": number})


def test_a_number_taken_by_an_unverified_organisation_offers_to_join_or_dispute(client):
    squatter = make_company_user(status=Organisation.Status.PENDING)
    taken = organisation_of(squatter)
    client.force_login(UserFactory())
    response = _register(client, taken.org_number)
    content = response.content.decode()
    assert response.status_code == 200
    assert "redan registrerad" in content
    assert taken.name in content
    assert reverse("portal:join_request_create") in content
    assert reverse("portal:dispute_create") in content
    assert Organisation.objects.filter(org_number=taken.org_number).count() == 1


def test_a_number_held_by_a_verified_organisation_can_only_be_joined(client):
    owner = make_buyer()
    verified = organisation_of(owner)
    client.force_login(UserFactory())
    content = _register(client, verified.org_number, kind="public_body").content.decode()
    assert reverse("portal:join_request_create") in content
    assert reverse("portal:dispute_create") not in content
    dispute_url = reverse("portal:dispute_create") + f"?org_number={verified.org_number}"
    assert client.get(dispute_url).status_code == 403
    crafted = client.post(
        reverse("portal:dispute_create"),
        {"org_number": verified.org_number, "kind": "public_body", "name": "Jag", "statement": "Min."},
    )
    assert crafted.status_code == 403
    assert not IdentityDispute.objects.exists()


def test_service_refuses_to_dispute_a_verified_organisations_number():
    verified = organisation_of(make_buyer())
    with pytest.raises(services.ServiceError):
        identity.raise_dispute(
            by=UserFactory(), org_number=verified.org_number, kind="public_body", name="X", statement="Min."
        )


def test_request_to_join_is_mailed_to_owners_and_accepting_makes_a_membership(
    client, django_capture_on_commit_callbacks
):
    owner = make_company_user(status=Organisation.Status.PENDING, email="agare@bolag.se", language="en")
    organisation = organisation_of(owner)
    asker = UserFactory(email="kollega@bolag.se")
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:join_request_create"), {"org_number": organisation.org_number, "message": "Jag är CFO."}
        )
    assert response.status_code == 302
    join_request = JoinRequest.objects.get()
    assert join_request.status == JoinRequest.Status.PENDING and join_request.user == asker
    assert [m.to for m in mail.outbox] == [["agare@bolag.se"]]
    assert "Request to join" in mail.outbox[0].subject  # the owner's language
    assert reverse("portal:join_request_detail", args=[join_request.pk]) in mail.outbox[0].body
    assert "Jag är CFO." in mail.outbox[0].body

    again = client.post(reverse("portal:join_request_create"), {"org_number": organisation.org_number})
    assert again.status_code == 400 and JoinRequest.objects.count() == 1

    # The requester sees the request but cannot answer it.
    assert client.get(reverse("portal:join_request_detail", args=[join_request.pk])).status_code == 200
    assert (
        client.post(reverse("portal:join_request_detail", args=[join_request.pk]), {"answer": "accept"}).status_code
        == 403
    )
    assert not Membership.objects.filter(user=asker).exists()

    client.force_login(owner)
    assert (
        "kollega@bolag.se" in client.get(reverse("portal:organisation_detail", args=[organisation.pk])).content.decode()
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:join_request_detail", args=[join_request.pk]), {"answer": "accept"})
    assert response.status_code == 302
    assert Membership.objects.get(user=asker, organisation=organisation).role == "member"
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED and join_request.decided_by == owner
    accepted = AuditEntry.objects.get(action=AuditAction.ORGANISATION_JOIN_ACCEPTED, object_id=str(organisation.pk))
    assert accepted.details == {"join_request": join_request.pk}
    assert "kollega@bolag.se" not in f"{accepted.object_repr} {accepted.description} {accepted.details}"
    assert [m.to for m in mail.outbox] == [["kollega@bolag.se"]]
    assert "medlem" in mail.outbox[0].subject

    twice = client.post(reverse("portal:join_request_detail", args=[join_request.pk]), {"answer": "decline"})
    join_request.refresh_from_db()
    assert twice.status_code == 403 and join_request.status == JoinRequest.Status.ACCEPTED


def test_a_declined_request_makes_no_membership_and_tells_the_requester(client, django_capture_on_commit_callbacks):
    owner = make_buyer()
    organisation = organisation_of(owner)
    asker = UserFactory()
    join_request = identity.request_to_join(organisation=organisation, by=asker)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:join_request_detail", args=[join_request.pk]), {"answer": "decline"})
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.DECLINED
    assert not Membership.objects.filter(user=asker).exists()
    assert mail.outbox[-1].to == [asker.email] and "avböjdes" in mail.outbox[-1].subject


def test_only_owners_answer_a_request_to_join_and_others_do_not_find_it(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    member = make_buyer(organisation=organisation, role="member")
    join_request = identity.request_to_join(organisation=organisation, by=UserFactory())
    url = reverse("portal:join_request_detail", args=[join_request.pk])
    for outsider in (member, make_company_user(), make_buyer()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "accept"}).status_code == 404
    with pytest.raises(services.ServiceError):
        identity.answer_join_request(join_request=join_request, by=member, accept=True)
    assert Membership.objects.filter(organisation=organisation).count() == 2


def test_a_member_cannot_ask_to_join_their_own_organisation(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)
    url = reverse("portal:join_request_create") + f"?org_number={organisation.org_number}"
    assert client.get(url).status_code == 403
    with pytest.raises(services.ServiceError):
        identity.request_to_join(organisation=organisation, by=owner)


@pytest.mark.parametrize("view", ["portal:join_request_create", "portal:dispute_create"])
@pytest.mark.parametrize("number", ["inte-ett-nummer", "", "212000-0142"])
def test_a_number_nobody_holds_leads_to_the_registration_form(client, view, number):
    client.force_login(make_buyer())
    response = client.get(reverse(view), {"org_number": number})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:organisation_create")
    follow = client.get(response["Location"])
    assert "Ingen organisation är registrerad med det numret. Du kan registrera den här." in follow.content.decode()


def _dispute(client, holder, **data):
    payload = {
        "org_number": holder.org_number,
        "kind": "company",
        "name": "Riktiga AB",
        "statement": "Registreringsbevis från Bolagsverket bifogas på begäran.",
        **data,
    }
    return client.post(reverse("portal:dispute_create"), payload)


def test_a_dispute_that_is_upheld_gives_the_number_to_the_disputing_party(client, django_capture_on_commit_callbacks):
    squatter = make_company_user(status=Organisation.Status.PENDING, email="kapare@example.se", language="sv")
    holder = organisation_of(squatter)
    number = holder.org_number
    claimant = UserFactory(email="vd@riktiga.se", language="en")
    client.force_login(claimant)
    assert client.get(reverse("portal:dispute_create") + f"?org_number={number}&name=Riktiga+AB").status_code == 200
    assert _dispute(client, holder).status_code == 302
    dispute = IdentityDispute.objects.get()
    assert dispute.status == IdentityDispute.Status.OPEN and dispute.raised_by == claimant
    disputed = AuditEntry.objects.get(action=AuditAction.ORGANISATION_DISPUTED, object_id=str(holder.pk))
    assert disputed.details == {"dispute": dispute.pk, "org_number": number, "name": "Riktiga AB"}
    assert _dispute(client, holder).status_code == 400  # one open dispute per person and number

    admin = make_portal_admin()
    client.force_login(admin)
    assert number in client.get(reverse("portal:dispute_queue")).content.decode()
    page = client.get(reverse("portal:dispute_decide", args=[dispute.pk])).content.decode()
    assert "Registreringsbevis" in page and "kapare@example.se" in page
    no_reason = client.post(reverse("portal:dispute_decide", args=[dispute.pk]), {"decision": "uphold", "reason": " "})
    assert no_reason.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:dispute_decide", args=[dispute.pk]),
            {"decision": "uphold", "reason": "Bolagsverket visar att numret är Riktiga AB:s."},
        )
    assert response.status_code == 302
    dispute.refresh_from_db()
    holder.refresh_from_db()
    assert dispute.status == IdentityDispute.Status.UPHELD and dispute.decided_by == admin
    assert holder.org_number is None and holder.status == Organisation.Status.REJECTED
    new = dispute.new_organisation
    assert new.org_number == number and new.name == "Riktiga AB" and new.status == Organisation.Status.PENDING
    assert Membership.objects.get(organisation=new).user == claimant
    upheld = AuditEntry.objects.get(action=AuditAction.DISPUTE_UPHELD, object_id=str(dispute.pk))
    assert upheld.details == {
        "organisation": holder.pk,
        "new_organisation": new.pk,
        "reason": "Bolagsverket visar att numret är Riktiga AB:s.",
    }
    lost = AuditEntry.objects.get(action=AuditAction.ORGANISATION_NUMBER_LOST, object_id=str(holder.pk))
    assert lost.details == {"org_number": {"from": number, "to": None}, "dispute": dispute.pk}
    created = AuditEntry.objects.get(action=AuditAction.ORGANISATION_CREATED, object_id=str(new.pk))
    assert created.details == {"kind": new.kind, "dispute": dispute.pk}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"vd@riktiga.se", "kapare@example.se"}
    assert "Decision on the organisation number" in by_address["vd@riktiga.se"].subject
    assert "Beslut om organisationsnumret" in by_address["kapare@example.se"].subject
    assert all("Bolagsverket visar" in m.body for m in mail.outbox)

    # Decided once: a second decision changes nothing.
    again = client.post(reverse("portal:dispute_decide", args=[dispute.pk]), {"decision": "reject", "reason": "x"})
    dispute.refresh_from_db()
    assert again.status_code == 400 and dispute.status == IdentityDispute.Status.UPHELD

    # The old holder gives a correct number and asks to be verified again.
    client.force_login(squatter)
    correct = next_org_number("5560")
    response = client.post(
        reverse("portal:organisation_edit", args=[holder.pk]),
        {"kind": "company", "name": holder.name, "org_number": correct, "resubmit": "1"},
    )
    holder.refresh_from_db()
    assert response.status_code == 302
    assert holder.org_number == correct and holder.status == Organisation.Status.PENDING


def test_a_rejected_dispute_changes_nothing_and_tells_both_sides(client, django_capture_on_commit_callbacks):
    holder = organisation_of(make_company_user(status=Organisation.Status.PENDING, email="innehavare@example.se"))
    claimant = UserFactory(email="bestridare@example.se")
    dispute = identity.raise_dispute(
        by=claimant, org_number=holder.org_number, kind="company", name="Annat AB", statement="Mitt."
    )
    client.force_login(make_portal_admin())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:dispute_decide", args=[dispute.pk]), {"decision": "reject", "reason": "Inget stöd."}
        )
    dispute.refresh_from_db()
    holder.refresh_from_db()
    assert dispute.status == IdentityDispute.Status.REJECTED
    assert holder.org_number == dispute.org_number and holder.status == Organisation.Status.PENDING
    assert Organisation.objects.count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["bestridare@example.se", "innehavare@example.se"]


@pytest.mark.parametrize("maker", [make_buyer, make_company_user, make_handler])
def test_only_portal_admins_see_and_decide_disputes(client, maker):
    holder = organisation_of(make_company_user(status=Organisation.Status.PENDING))
    dispute = identity.raise_dispute(
        by=UserFactory(), org_number=holder.org_number, kind="company", name="X AB", statement="Mitt."
    )
    user = maker()
    client.force_login(user)
    assert client.get(reverse("portal:dispute_queue")).status_code == 403
    assert client.get(reverse("portal:dispute_decide", args=[dispute.pk])).status_code == 403
    response = client.post(reverse("portal:dispute_decide", args=[dispute.pk]), {"decision": "uphold", "reason": "x"})
    assert response.status_code == 403
    with pytest.raises(services.ServiceError):
        identity.decide_dispute(dispute=dispute, by=user, uphold=True, reason="x")
    dispute.refresh_from_db()
    assert dispute.status == IdentityDispute.Status.OPEN


# --- identity: a verified organisation that changes who it is --------------------------------------------------------


def _edit(client, organisation, **changes):
    data = {
        "kind": organisation.kind,
        "name": organisation.name,
        "org_number": organisation.org_number,
        "address": "",
        "website": "",
        **changes,
    }
    return client.post(reverse("portal:organisation_edit", args=[organisation.pk]), data)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Helt annat namn"},
        {"org_number": "PLACEHOLDER"},
        {"kind": "company"},
    ],
)
def test_renaming_or_renumbering_a_verified_organisation_sends_it_back_to_verification(client, change):
    owner = make_buyer(status=Organisation.Status.PENDING)
    organisation = organisation_of(owner)
    services.verify_organisation(organisation=organisation, by=make_portal_admin())
    organisation.refresh_from_db()
    if change.get("org_number") == "PLACEHOLDER":
        change = {"org_number": next_org_number("2120")}
    client.force_login(owner)
    form = client.get(reverse("portal:organisation_edit", args=[organisation.pk])).content.decode()
    assert "verifiering" in form  # the note next to the fields, before saving

    response = _edit(client, organisation, **change)
    organisation.refresh_from_db()
    assert response.status_code == 302
    assert organisation.status == Organisation.Status.PENDING and not organisation.is_verified
    entry = AuditEntry.objects.get(action=AuditAction.ORGANISATION_REVERIFICATION, object_id=str(organisation.pk))
    (field,) = change
    assert list(entry.details) == [field] and entry.details[field]["to"] == change[field]
    assert not owner.has_perm("projects.create_need")


def test_changing_only_address_or_website_keeps_the_verification(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)
    response = _edit(client, organisation, address="Nygatan 2", website="https://kommun.example.se")
    organisation.refresh_from_db()
    assert response.status_code == 302
    assert organisation.is_verified and organisation.address == "Nygatan 2"


def test_changing_to_a_number_held_by_another_organisation_is_a_field_error(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    other = OrganisationFactory()
    client.force_login(owner)
    response = _edit(client, organisation, org_number=other.org_number)
    organisation.refresh_from_db()
    assert response.status_code == 400
    assert "redan registrerad" in response.content.decode()
    assert organisation.org_number != other.org_number and organisation.is_verified


@pytest.mark.parametrize("holder_status", ["pending", "verified", "rejected"])
@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "owner", "admin"])
def test_who_may_ask_to_join_or_dispute_a_number(holder_status, role):
    from django.contrib.auth.models import AnonymousUser

    owner = make_company_user(status=holder_status)
    holder = organisation_of(owner)
    users = {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "member": make_company_user(organisation=holder, role="member"),
        "owner": owner,
        "admin": make_portal_admin(),
    }
    user = users[role]
    outside = role in ("outsider", "admin")
    assert user.has_perm("portal.ask_to_join_organisation", holder) is outside
    assert user.has_perm("portal.dispute_organisation", holder) is (outside and holder_status != "verified")


@pytest.mark.parametrize("status", ["pending", "accepted", "declined"])
@pytest.mark.parametrize("role", ["owner", "member", "requester", "outsider", "admin"])
def test_who_may_answer_a_request_to_join(status, role):
    owner = make_buyer()
    organisation = organisation_of(owner)
    requester = UserFactory()
    join_request = JoinRequest.objects.create(organisation=organisation, user=requester, status=status)
    users = {
        "owner": owner,
        "member": make_buyer(organisation=organisation, role="member"),
        "requester": requester,
        "outsider": make_buyer(),
        "admin": make_portal_admin(),
    }
    user = users[role]
    assert user.has_perm("portal.decide_joinrequest", join_request) is (role == "owner" and status == "pending")
    assert user.has_perm("portal.view_joinrequest", join_request) is (role in ("owner", "requester"))
