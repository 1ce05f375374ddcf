import base64
import hashlib
import hmac
import struct
import time

from django.core import mail
from playwright.sync_api import expect

from portal.models import Organisation
from tests.factories import make_buyer, make_portal_admin, organisation_of


def totp(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows (RFC 6238: SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def test_admin_must_set_up_totp_then_verifies_a_public_body(ui):
    admin = make_portal_admin(email="granskare@example.org", mfa=False)
    pending = organisation_of(make_buyer(status=Organisation.Status.PENDING, email="agare@example.org"))
    page = ui.goto("/accounts/login/")
    ui.fill("E-postadress", admin.email)
    ui.fill("Lösenord", "test-password-123")
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))

    # Sent to set up two-factor authentication before anything else (allauth asks for the password again first).
    assert "/accounts/reauthenticate/" in page.url
    ui.fill("Lösenord", "test-password-123")
    ui.submit(page.get_by_role("button", name="Verifiera"))
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    # The key is shown as text in groups of four (docs/accessibility.md); read it as a person would.
    secret = page.locator("code#totp-secret").inner_text().replace(" ", "").replace("\n", "")
    ui.fill("Autentiseringskod", totp(secret))
    ui.submit(page.get_by_role("button", name="Aktivera"))

    ui.goto("/staff/organisations/")
    expect(page.locator("body")).to_contain_text(pending.name)
    ui.submit(page.get_by_role("button", name=f"Verifiera {pending.name}"))
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.VERIFIED
    assert any(m.to == ["agare@example.org"] for m in mail.outbox)
    expect(page.locator("body")).to_contain_text("Inga organisationer väntar")
