"""Run a command (the demo's `manage.py runserver`) with the local SAML test IdP beside it, the portal set up for it.

Usage: python scripts/with_saml_test_idp.py COMMAND...   (`make run` uses it)

It makes the IdP's and the portal's (SP's) keys and certificates under var/eid-saml/ (never committed), starts
tests/idp/saml_idp.js on a free port, writes its metadata there and runs COMMAND with the EID_SAML_* variables
pointing at them, so that the sign-in page shows "Logga in med e-legitimation (Testlegitimering (SAML))". The IdP
stops when COMMAND ends. Nothing is started when EID_SAML_SP_ENTITY_ID is already set (a real IdP is configured),
with DEMO_EID=0 (as scripts/demo_idp_oidc), or when Node.js or the npm packages are missing (it says so and runs
COMMAND alone).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    env = dict(os.environ)
    idp = None
    if env.get("DEMO_EID", "1") == "0":
        pass
    elif env.get("EID_SAML_SP_ENTITY_ID"):
        print("e-legitimation (SAML): EID_SAML_SP_ENTITY_ID is set, so the local test IdP is not started.")
    elif not (ROOT / "node_modules" / "samlp").is_dir():
        print("e-legitimation (SAML): the local test IdP needs Node.js and `npm ci` (samlp); not started.")
    else:
        from tests.idp.saml_process import SamlIdp

        directory = ROOT / "var" / "eid-saml"
        directory.mkdir(parents=True, exist_ok=True)
        try:
            idp = SamlIdp(directory)
        except RuntimeError as error:
            print(f"e-legitimation (SAML): the local test IdP did not start: {error}")
        else:
            key_file, cert_file = idp.sp_key_file, idp.sp_cert_file
            metadata = directory / "idp-metadata.xml"
            metadata.write_text(idp.metadata)
            env.update(
                EID_SAML_IDP_METADATA_FILE=str(metadata),
                EID_SAML_SP_ENTITY_ID="http://127.0.0.1/demo/saml/eid",
                EID_SAML_SP_KEY_FILE=str(key_file),
                EID_SAML_SP_CERT_FILE=str(cert_file),
                EID_SAML_NAME=env.get("EID_SAML_NAME") or "Testlegitimering (SAML)",
            )
            env.setdefault("EID_ACCEPTED_LOA", "loa3")
            print(
                f"e-legitimation (SAML): the local TEST identity provider runs at {idp.url} (any personal identity "
                "number you type is accepted; never use it in production). Sign in with the button "
                '"Logga in med e-legitimation (Testlegitimering (SAML))".'
            )
    child = subprocess.Popen(command, env=env)
    # Stopped from outside (SIGTERM): stop the command first, then the IdP, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reached the command too; wait for it to finish
                continue
    finally:
        if idp is not None:
            idp.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
