"""The local SAML identity provider (tests/idp/saml_idp.js) as a process, and keys and certificates for it and the
portal. No pytest here: `make run` uses it too (scripts/with_saml_test_idp.py); the fixtures are in tests/idp/saml.py.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
IDP_SCRIPT = Path(__file__).with_name("saml_idp.js")
SP_ENTITY_ID = "https://portal.test/saml/eid"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


def make_key_and_cert(directory: Path, name: str) -> tuple[Path, Path]:
    """An RSA key and a self-signed certificate (PEM files) for a test IdP or SP."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} (test)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class SamlIdp:
    """The running IdP process."""

    def __init__(self, directory: Path, port: int = 0):
        key_file, cert_file = make_key_and_cert(directory, "idp")
        # The portal's (SP's) key and certificate, made here too: the IdP encrypts its assertions to that
        # certificate, as a Sweden Connect IdP does with the one in the SP's metadata.
        self.sp_key_file, self.sp_cert_file = make_key_and_cert(directory, "sp")
        node = shutil.which("node")
        if not node:
            raise RuntimeError("Node.js is needed for the local SAML identity provider (tests/idp/saml_idp.js).")
        env = {
            **os.environ,
            "SAML_IDP_KEY_FILE": str(key_file),
            "SAML_IDP_CERT_FILE": str(cert_file),
            "SAML_IDP_PORT": str(port),
            "SAML_IDP_SP_CERT_FILE": str(self.sp_cert_file),
            "NODE_PATH": str(ROOT / "node_modules"),
        }
        # Its errors go to a file: nothing reads a pipe while it runs (a full pipe would stop it).
        self.log_file = directory / "idp.log"
        with self.log_file.open("w") as log:
            self.process = subprocess.Popen(
                [node, str(IDP_SCRIPT)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True
            )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=20)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError(f"The SAML test IdP did not start: {self.log_file.read_text()[-2000:]}")
        self.url = json.loads(line[0])["url"]
        self.metadata = self.get("/metadata")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with urllib.request.urlopen(self.url + path, data=body, timeout=10) as response:
            return response.read().decode()

    def last_response(self) -> dict:
        return json.loads(self.get("/last-response"))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
