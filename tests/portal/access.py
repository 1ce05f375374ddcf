from urllib.parse import urlencode

from portal.files import attach_bytes
from portal.models import IdentityDispute, Invitation, JoinRequest, Membership
from portal.services import invitation_token
from tests.access import AccessCase
from tests.factories import UserFactory
from tests.passkeys import add_passkey

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

OK_FOR_ALL = {"default": 200}
LOGIN = {"anonymous": 302}


def cases(world):
    buyer_org = world["buyer_org"]
    invitation = Invitation.objects.create(organisation=buyer_org, email="new@example.org", invited_by=world["buyer"])
    # An attachment owned by the buyer's organisation: only its members and portal admins may fetch it.
    attachment = attach_bytes(owner=buyer_org, content=PNG, filename="logo.png")
    # The company asks to join the buyer's organisation: its owner (buyer) and the company's user see the request.
    join_request = JoinRequest.objects.create(organisation=buyer_org, user=world["company"])
    # A colleague of the buyer in the buyer's organisation: its owner manages the membership, the colleague may
    # leave, nobody else sees it (404), portal admins included (they do not manage other organisations' members).
    colleague = Membership.objects.create(user=UserFactory(), organisation=buyer_org, role=Membership.Role.MEMBER)
    unverified_org = world["unverified_org"]
    dispute = IdentityDispute.objects.create(
        organisation=unverified_org,
        org_number=unverified_org.org_number,
        raised_by=world["company"],
        kind="public_body",
        name="Riktiga kommunen",
        statement="Numret är vårt.",
    )
    # A passkey of the buyer's (allauth's pages for passkeys name one by its id).
    buyer_passkey, _key = add_passkey(world["buyer"])
    public = ["portal:home", "portal:accessibility", "portal:privacy", "portal:healthz", "portal:readyz"]
    rows = [AccessCase(name, {}, default=200) for name in public]
    # The page nginx shows when it refuses a too large body itself (deploy/nginx.conf): 413 for everyone.
    rows.append(AccessCase("portal:request_too_large", {}, default=413))
    rows += [
        AccessCase("portal:dashboard", LOGIN, default=200),
        AccessCase("portal:organisation_create", LOGIN, default=200),
        AccessCase("portal:organisation_switch", {"anonymous": 302}, default=405),
        AccessCase(
            "portal:organisation_detail",
            {"anonymous": 302, "buyer": 200, "admin": 200},
            kwargs={"pk": buyer_org.pk},
            default=404,
        ),
        AccessCase(
            "portal:organisation_edit",
            {"anonymous": 302, "buyer": 200},
            kwargs={"pk": buyer_org.pk},
            default=404,
        ),
        AccessCase(
            "portal:member_role",
            {"anonymous": 302, "buyer": 405},
            kwargs={"organisation_pk": buyer_org.pk, "pk": colleague.pk},
            default=404,
        ),
        AccessCase(
            "portal:member_remove",
            {"anonymous": 302, "buyer": 200},
            kwargs={"organisation_pk": buyer_org.pk, "pk": colleague.pk},
            default=404,
        ),
        AccessCase(
            "portal:organisation_invite",
            {"anonymous": 302, "buyer": 405},
            kwargs={"pk": buyer_org.pk},
            default=404,
        ),
        # Asking to join needs a sign-in and is refused to the organisation's own members.
        AccessCase(
            "portal:join_request_create",
            {"anonymous": 302, "buyer": 403},
            query=urlencode({"org_number": buyer_org.org_number}),
            default=200,
        ),
        # Only an unverified organisation's number may be disputed, and not by its own members.
        AccessCase(
            "portal:dispute_create",
            {"anonymous": 302, "unverified_buyer": 403},
            query=urlencode({"org_number": unverified_org.org_number}),
            default=200,
        ),
        AccessCase(
            "portal:join_request_detail",
            {"anonymous": 302, "buyer": 200, "company": 200},
            kwargs={"pk": join_request.pk},
            default=404,
        ),
        AccessCase("portal:invitation_accept", {}, kwargs={"token": invitation_token(invitation)}, default=200),
        AccessCase("portal:verification_queue", {"anonymous": 302, "admin": 200}, default=403),
        AccessCase(
            "portal:organisation_verify",
            {"anonymous": 302, "admin": 405},
            kwargs={"pk": world["unverified_org"].pk},
            default=403,
        ),
        AccessCase(
            "portal:organisation_reject",
            {"anonymous": 302, "admin": 200},
            kwargs={"pk": world["unverified_org"].pk},
            default=403,
        ),
        AccessCase("portal:organisations_verified", {"anonymous": 302, "admin": 200}, default=403),
        AccessCase("portal:organisations_rejected", {"anonymous": 302, "admin": 200}, default=403),
        AccessCase(
            "portal:organisation_undo_decision",
            {"anonymous": 302, "admin": 200},
            kwargs={"pk": world["buyer_org"].pk},
            default=403,
        ),
        # Awaiting verification: nothing to undo (403, as rejecting a verified one).
        AccessCase(
            "portal:organisation_undo_decision",
            {"anonymous": 302, "admin": 403},
            kwargs={"pk": world["unverified_org"].pk},
            default=403,
        ),
        AccessCase("portal:dispute_queue", {"anonymous": 302, "admin": 200}, default=403),
        AccessCase(
            "portal:dispute_decide",
            {"anonymous": 302, "admin": 200},
            kwargs={"pk": dispute.pk},
            default=403,
        ),
        AccessCase("portal:audit_log", {"anonymous": 302, "admin": 200}, default=403),
        AccessCase(
            "portal:attachment_download",
            {"buyer": 200, "admin": 200},
            kwargs={"uuid": attachment.uuid},
            default=404,
        ),
        AccessCase("portal:set_language", {}, default=302, query="next=/"),
        # allauth's own pages
        AccessCase("account_login", {"anonymous": 200}, default=302),
        AccessCase("account_signup", {"anonymous": 200}, default=302),
        AccessCase("account_logout", {"anonymous": 302}, default=200),
        AccessCase("account_reset_password", {}, default=200),
        AccessCase("account_reset_password_done", {}, default=200),
        AccessCase("account_reset_password_from_key", {}, kwargs={"uidb36": "x", "key": "forged"}, default=200),
        AccessCase("account_reset_password_from_key_done", {}, default=200),
        AccessCase("account_change_password", LOGIN, default=200),
        AccessCase("account_set_password", LOGIN, default=302),
        AccessCase("account_email", LOGIN, default=200),
        AccessCase("account_email_verification_sent", {}, default=200),
        AccessCase("account_confirm_email", {}, kwargs={"key": "forged"}, default=200),
        AccessCase("account_inactive", {}, default=200),
        AccessCase("account_reauthenticate", LOGIN, default=200),
        AccessCase("account_confirm_login_code", {}, default=302),
        AccessCase("mfa_index", LOGIN, default=200),
        # e-legitimation through SAML (portal/eid_saml.py): not configured here, so nothing is served (404; the ACS
        # only keeps what was posted and passes it on); with an identity provider configured,
        # tests/portal/test_eid_saml.py checks each URL for every role.
        *(
            AccessCase(name, {}, kwargs={"organization_slug": "eid"}, default=404)
            for name in ("saml_login", "saml_finish_acs", "saml_sls", "saml_metadata")
        ),
        AccessCase("saml_acs", {}, kwargs={"organization_slug": "eid"}, default=302),
        AccessCase("mfa_activate_totp", LOGIN, default=302),
        # allauth answers 404 for authenticators the user does not have; staff have TOTP in the world.
        AccessCase("mfa_deactivate_totp", {"anonymous": 302, "handler": 302, "admin": 302}, default=404),
        AccessCase("mfa_authenticate", {}, default=302),
        AccessCase("mfa_reauthenticate", {"handler": 200, "admin": 200}, default=302),
        AccessCase("mfa_view_recovery_codes", LOGIN, default=404),
        AccessCase("mfa_generate_recovery_codes", LOGIN, default=302),
        AccessCase("mfa_download_recovery_codes", LOGIN, default=404),
        # e-legitimation (portal/eid.py). Not configured here: allauth's OpenID Connect views answer 404; the
        # pages that continue a sign-in send everyone back to sign in when no sign-in waits in the session.
        AccessCase("openid_connect_login", {}, kwargs={"provider_id": "eid"}, default=404),
        AccessCase("openid_connect_callback", {}, kwargs={"provider_id": "eid"}, default=404),
        AccessCase("socialaccount_signup", {}, default=302),
        AccessCase("socialaccount_login_cancelled", {}, default=200),
        AccessCase("socialaccount_login_error", {}, default=401),  # allauth's page for a failed sign-in
        AccessCase("socialaccount_connections", LOGIN, default=200),
        AccessCase("portal:eid_link", {}, default=302),
        # Passkeys (allauth's WebAuthn pages). Adding, renaming and removing one asks for a recent sign-in first
        # (allauth's reauthentication, a 302 for a session made without the sign-in form); tests/portal/
        # test_passkeys.py checks after a real sign-in that nobody reaches another user's passkey (404).
        AccessCase("mfa_list_webauthn", LOGIN, default=200),
        AccessCase("mfa_add_webauthn", {}, default=302),
        # Confirming one's identity with a passkey: only for users with one (others are sent to the other ways).
        AccessCase("mfa_reauthenticate_webauthn", {"buyer": 200}, default=302),
        AccessCase("mfa_edit_webauthn", {}, kwargs={"pk": buyer_passkey.pk}, default=302),
        AccessCase("mfa_remove_webauthn", {}, kwargs={"pk": buyer_passkey.pk}, default=302),
        # Without JavaScript's JSON request the sign-in with a passkey sends the browser to the sign-in page.
        AccessCase("mfa_login_webauthn", {}, default=302),
    ]
    return rows
