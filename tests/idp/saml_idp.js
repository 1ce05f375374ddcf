// A local SAML identity provider in the style of Sweden Connect's, for the tests and the demo (`make run`).
//
// It signs its responses with auth0's `samlp` (and `saml`, xml-crypto underneath), an implementation independent of
// the portal's python3-saml/xmlsec, so the tests check the portal against a real, separately written IdP.
// docs/eid.md says why it is written in Node and how to use it.
//
//   GET  /metadata      the IdP's metadata (entityID, signing certificate, SingleSignOnService)
//   GET  /sso           HTTP-Redirect binding: a form like a test BankID (personal identity number, names,
//   POST /sso           e-mail, level of assurance; and a "test case" for the bad-input tests)
//   POST /sso/answer    builds the signed response and shows the form that posts it to the SP's ACS
//   GET  /last-response the last response as JSON, and /last-response/form its page again (to replay it)
//
// Environment: SAML_IDP_KEY_FILE and SAML_IDP_CERT_FILE (PEM, made at test start, never committed),
// SAML_IDP_SP_CERT_FILE (the SP's certificate: assertions are encrypted to it; unset: not encrypted),
// SAML_IDP_HOST (127.0.0.1) and SAML_IDP_PORT (0: a free port). When it listens it prints one JSON line,
// {"url": "http://127.0.0.1:<port>"}, to stdout.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const express = require("express");
const samlp = require("samlp");

const key = fs.readFileSync(process.env.SAML_IDP_KEY_FILE, "utf8");
const cert = fs.readFileSync(process.env.SAML_IDP_CERT_FILE, "utf8");
const host = process.env.SAML_IDP_HOST || "127.0.0.1";
const port = Number(process.env.SAML_IDP_PORT || 0);
// The SP's certificate: assertions are encrypted to it (Sweden Connect's IdPs encrypt every assertion).
const spCert = process.env.SAML_IDP_SP_CERT_FILE ? fs.readFileSync(process.env.SAML_IDP_SP_CERT_FILE, "utf8") : "";

const LOA = {
  loa2: "http://id.elegnamnden.se/loa/1.0/loa2",
  loa3: "http://id.elegnamnden.se/loa/1.0/loa3",
};
// Sweden Connect's attribute names ("Attribute Specification for the Swedish eID Framework").
const ATTR = {
  personalIdentityNumber: "urn:oid:1.2.752.29.4.13",
  givenName: "urn:oid:2.5.4.42",
  sn: "urn:oid:2.5.4.4",
  displayName: "urn:oid:2.16.840.1.113730.3.1.241",
  mail: "urn:oid:0.9.2342.19200300.100.1.3",
  orgAffiliation: "urn:oid:1.2.752.201.3.1",
  organizationIdentifier: "urn:oid:2.5.4.97",
};
const PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const CASES = {
  valid: "Korrekt svar",
  bad_signature: "Svar med felaktig signatur",
  wrong_audience: "Svar till fel mottagare (audience)",
  expired: "Utgånget intyg",
  unsolicited: "Oombett svar (utan InResponseTo, som vid IdP-initierad inloggning)",
  unencrypted: "Okrypterat intyg",
};

let base = "";
let lastResponse = null;

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="sv">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – Testlegitimering</title></head>
<body>
<header><p>Testlegitimering (lokal SAML-identitetsutfärdare, endast för test)</p></header>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function certBody(pem) {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}

function metadata() {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(base)}/metadata">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>${certBody(cert)}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>${PERSISTENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${esc(base)}/sso"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(base)}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

function field(name, label, type, extra = "") {
  return `<p><label for="${name}">${esc(label)}</label><br><input id="${name}" name="${name}" type="${type}" ${extra}></p>`;
}

function loginForm(samlRequest, relayState, request) {
  const loaRequested = request.requestedAuthnContext ? request.requestedAuthnContext.authnContextClassRef : "";
  const cases = Object.entries(CASES)
    .map(([value, label]) => `<option value="${value}"${value === "valid" ? " selected" : ""}>${esc(label)}</option>`)
    .join("");
  return page(
    "Logga in med testlegitimering",
    `<p>Tjänsten ${esc(request.issuer)} ber om en inloggning${loaRequested ? ` på nivån ${esc(loaRequested)}` : ""}.
Fyll i uppgifterna som en test-e-legitimation skulle lämna.</p>
<form method="post" action="${esc(base)}/sso/answer">
<input type="hidden" name="SAMLRequest" value="${esc(samlRequest)}">
<input type="hidden" name="RelayState" value="${esc(relayState)}">
${field("personal_number", "Personnummer (12 siffror)", "text", 'inputmode="numeric" autocomplete="off"')}
${field("given_name", "Förnamn", "text", 'autocomplete="given-name"')}
${field("surname", "Efternamn", "text", 'autocomplete="family-name"')}
${field("email", "E-postadress", "email", 'autocomplete="email"')}
${field("organisation_number", "Organisationsnummer (frivilligt)", "text", 'autocomplete="off"')}
<fieldset><legend>Tillitsnivå</legend>
<p><input type="radio" id="loa3" name="loa" value="loa3" checked> <label for="loa3">Tillitsnivå 3 (loa3)</label></p>
<p><input type="radio" id="loa2" name="loa" value="loa2"> <label for="loa2">Tillitsnivå 2 (loa2)</label></p>
</fieldset>
<p><label for="case">Testfall</label><br><select id="case" name="case">${cases}</select></p>
<p><button type="submit">Legitimera</button></p>
</form>`,
  );
}

function profileMapper(attributes, nameId) {
  return () => ({
    getClaims: () => attributes,
    getNameIdentifier: () => ({ nameIdentifier: nameId, nameIdentifierFormat: PERSISTENT }),
  });
}

function parseRequest(req) {
  return new Promise((resolve, reject) => {
    samlp.parseRequest(req, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

function signedResponse(options, user) {
  return new Promise((resolve, reject) => {
    samlp.getSamlResponse(options, user, (err, xml) => (err ? reject(err) : resolve(xml)));
  });
}

const app = express();
app.use(express.urlencoded({ extended: false }));

app.get("/metadata", (req, res) => {
  res.type("application/samlmetadata+xml").send(metadata());
});

async function showLogin(req, res) {
  const samlRequest = (req.query && req.query.SAMLRequest) || (req.body && req.body.SAMLRequest);
  const relayState = (req.query && req.query.RelayState) || (req.body && req.body.RelayState) || "";
  let request;
  try {
    request = await parseRequest(req);
  } catch (error) {
    request = null;
  }
  if (!request || !request.id || !request.assertionConsumerServiceURL) {
    res.status(400).type("html").send(page("Ogiltig begäran", "<p>Begäran saknar en giltig SAML AuthnRequest.</p>"));
    return;
  }
  res.type("html").send(loginForm(samlRequest, relayState, request));
}
app.get("/sso", showLogin);
app.post("/sso", showLogin);

app.post("/sso/answer", async (req, res) => {
  let request;
  try {
    request = await parseRequest(req);
  } catch (error) {
    request = null;
  }
  if (!request || !request.id || !request.assertionConsumerServiceURL) {
    res.status(400).type("html").send(page("Ogiltig begäran", "<p>Begäran saknar en giltig SAML AuthnRequest.</p>"));
    return;
  }
  const form = req.body;
  const testCase = CASES[form.case] ? form.case : "valid";
  const personalNumber = (form.personal_number || "").replace(/\D/g, "");
  const given = (form.given_name || "").trim();
  const surname = (form.surname || "").trim();
  const attributes = {};
  if (personalNumber) attributes[ATTR.personalIdentityNumber] = personalNumber;
  if (given) attributes[ATTR.givenName] = given;
  if (surname) attributes[ATTR.sn] = surname;
  if (given || surname) attributes[ATTR.displayName] = `${given} ${surname}`.trim();
  if (form.email) attributes[ATTR.mail] = form.email.trim();
  const orgnr = (form.organisation_number || "").replace(/\D/g, "");
  if (orgnr) {
    attributes[ATTR.organizationIdentifier] = orgnr;
    if (personalNumber) attributes[ATTR.orgAffiliation] = `${personalNumber}@${orgnr}`;
  }
  // Persistent NameID: pairwise (per SP) and stable for one person, as Sweden Connect's IdPs issue it.
  const nameId = crypto
    .createHash("sha256")
    .update(`${personalNumber || given + surname}|${request.issuer}`)
    .digest("hex");
  const audience = testCase === "wrong_audience" ? "https://fel-mottagare.example.se/saml" : request.issuer;
  const options = {
    issuer: `${base}/metadata`,
    key,
    cert,
    signatureAlgorithm: "rsa-sha256",
    digestAlgorithm: "sha256",
    signResponse: true,
    audience,
    recipient: request.assertionConsumerServiceURL,
    destination: request.assertionConsumerServiceURL,
    inResponseTo: testCase === "unsolicited" ? undefined : request.id,
    // Expired: valid until ten minutes ago, beyond any clock skew an SP allows.
    lifetimeInSeconds: testCase === "expired" ? -600 : 300,
    authnContextClassRef: LOA[form.loa] || LOA.loa3,
    sessionIndex: `_${crypto.randomBytes(16).toString("hex")}`,
    profileMapper: profileMapper(attributes, nameId),
  };
  if (spCert && testCase !== "unencrypted") {
    options.encryptionCert = spCert;
    options.encryptionPublicKey = new crypto.X509Certificate(spCert).publicKey.export({ type: "spki", format: "pem" });
  }
  let xml;
  try {
    xml = await signedResponse(options, { nameId });
  } catch (error) {
    res.status(500).type("html").send(page("Fel", `<p>${esc(error.message)}</p>`));
    return;
  }
  if (testCase === "bad_signature") {
    // Changed after signing: the response's digest no longer matches (the assertion is encrypted inside it).
    xml = xml.replace(/IssueInstant="(\d{4})-/, (match, year) => `IssueInstant="${Number(year) - 1}-`);
  }
  const samlResponse = Buffer.from(xml).toString("base64");
  lastResponse = {
    acs: request.assertionConsumerServiceURL,
    SAMLResponse: samlResponse,
    RelayState: form.RelayState || "",
    testCase: CASES[testCase],
  };
  res.type("html").send(answerPage(lastResponse));
});

function answerPage(answer) {
  return page(
    "Skicka legitimeringen",
    `<p>Legitimeringen är klar (${esc(answer.testCase)}). Skicka den till tjänsten.</p>
<form method="post" action="${esc(answer.acs)}">
<input type="hidden" name="SAMLResponse" value="${esc(answer.SAMLResponse)}">
<input type="hidden" name="RelayState" value="${esc(answer.RelayState)}">
<p><button type="submit">Fortsätt till tjänsten</button></p>
</form>`,
  );
}

// The last response's page again: a test sends the same response a second time (a replay).
app.get("/last-response/form", (req, res) => {
  if (!lastResponse) {
    res.status(404).type("html").send(page("Inget svar", "<p>Inget svar har skickats än.</p>"));
    return;
  }
  res.type("html").send(answerPage(lastResponse));
});

app.get("/last-response", (req, res) => {
  res.json(lastResponse);
});

const server = app.listen(port, host, () => {
  base = `http://${host}:${server.address().port}`;
  process.stdout.write(`${JSON.stringify({ url: base })}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
