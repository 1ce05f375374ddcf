"""A software passkey for tests that drive the server without a browser.

It makes the same WebAuthn answers a platform authenticator makes (a P-256 key, "none" attestation, user present
and verified flags, a signature over the authenticator data and the client data), so the server side runs for real:
allauth and python-fido2 check the challenge, the origin, the relying party and the signature. The browser tests
(tests/e2e/test_passkeys.py) use Chromium's virtual authenticator instead.
"""

import hashlib
import json
import os

from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)

# The Django test client's host; python-fido2 accepts it as the relying party of an https origin.
RP_ID = "testserver"
ORIGIN = f"https://{RP_ID}"
FLAGS = AuthenticatorData.FLAG


def _json(response) -> dict:
    return json.loads(json.dumps(dict(response)))


class SoftPasskey:
    """One discoverable credential (a passkey) for one user."""

    def __init__(self, user_handle: bytes, rp_id: str = RP_ID, origin: str = ORIGIN):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle = user_handle
        self.rp_id = rp_id
        self.origin = origin
        self.counter = 0

    def _rp_id_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def register(self, challenge: str | bytes, *, user_verified: bool = True) -> dict:
        """The browser's answer to navigator.credentials.create() for `challenge`, as allauth's script posts it."""
        flags = FLAGS.UP | FLAGS.AT | (FLAGS.UV if user_verified else 0)
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential_data = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(self._rp_id_hash(), flags, self.counter, credential_data)
        response = RegistrationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAttestationResponse(
                client_data=CollectedClientData.create("webauthn.create", challenge, self.origin),
                attestation_object=AttestationObject.create("none", auth_data, {}),
            ),
            client_extension_results={"credProps": {"rk": True}},
        )
        return _json(response)

    def assert_(self, challenge: str | bytes, *, origin: str | None = None, user_verified: bool = True) -> dict:
        """The browser's answer to navigator.credentials.get() for `challenge` (by default the device checked the
        user's PIN or biometrics: the UV flag)."""
        self.counter += 1
        flags = FLAGS.UP | (FLAGS.UV if user_verified else 0)
        auth_data = AuthenticatorData.create(self._rp_id_hash(), flags, self.counter)
        client_data = CollectedClientData.create("webauthn.get", challenge, origin or self.origin)
        signature = self.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        response = AuthenticationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAssertionResponse(
                client_data=client_data,
                authenticator_data=auth_data,
                signature=signature,
                user_handle=self.user_handle,
            ),
        )
        return _json(response)


def add_passkey(user, name: str = "Telefon") -> tuple[Authenticator, SoftPasskey]:
    """Store a passkey for `user` as allauth stores one after the ceremony (its registration answer), and return
    the row with the software key that can sign in with it."""
    key = SoftPasskey(user_handle=user_pk_to_url_str(user).encode())
    credential = key.register(websafe_encode(os.urandom(16)))
    authenticator = Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": credential}
    )
    return authenticator, key


def challenge_of(options: dict) -> str:
    """The challenge in allauth's creation or request options (base64url, as the browser gets it)."""
    public_key = options.get("publicKey", options)
    return websafe_encode(websafe_decode(public_key["challenge"]))
