// A local OpenID provider for the tests and the demo: a "test BankID" on the oidc-provider package.
//
//   node tests/idp/oidc_provider.mjs PORT [--client-id ID] [--client-secret SECRET]
//        [--redirect-uri URL]... [--any-local-redirect] [--code-ttl SECONDS]
//
// --any-local-redirect lets the client come back to the portal's callback path on any port of 127.0.0.1 or
// localhost (and Django's test client host, testserver): the tests' live server has a port chosen at start.
//
// Its sign-in page asks for a personal identity number and a level of assurance (loa2 or loa3), as a tester
// would pick them, and answers with the claims Sweden Connect's OpenID Connect profile uses
// (https://id.oidc.se/claim/personalIdentityNumber, given_name, family_name, name, email with email_verified,
// acr). Nothing is kept after the process ends. It prints "ready <issuer>" when it listens.
import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'client-id': { type: 'string', default: 'portal' },
    'client-secret': { type: 'string', default: 'portal-test-secret' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    'code-ttl': { type: 'string', default: '60' },
    'any-local-redirect': { type: 'boolean', default: false },
  },
});
const port = Number(positionals[0]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node oidc_provider.mjs PORT [--redirect-uri URL]...');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = values['redirect-uri'].length
  ? values['redirect-uri']
  : [
      'http://127.0.0.1:8000/accounts/oidc/eid/login/callback/',
      'http://localhost:8000/accounts/oidc/eid/login/callback/',
    ];

const PIN_CLAIM = 'https://id.oidc.se/claim/personalIdentityNumber';
const ORG_CLAIM = 'https://id.oidc.se/claim/orgNumber';
const LOA = {
  loa2: 'http://id.elegnamnden.se/loa/1.0/loa2',
  loa3: 'http://id.elegnamnden.se/loa/1.0/loa3',
};

// What each sign-in's form said, by the subject it was given.
const accounts = new Map();

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: values['client-id'],
      client_secret: values['client-secret'],
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  acrValues: Object.values(LOA),
  scopes: ['openid', 'profile', 'email', 'https://id.oidc.se/scope/naturalPersonNumber',
    'https://id.oidc.se/scope/naturalPersonOrgId'],
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'name'],
    email: ['email', 'email_verified'],
    'https://id.oidc.se/scope/naturalPersonNumber': [PIN_CLAIM],
    'https://id.oidc.se/scope/naturalPersonOrgId': [ORG_CLAIM],
  },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: {
    AuthorizationCode: Number(values['code-ttl']),
    AccessToken: 600,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        const claims = {
          sub,
          given_name: account.given_name,
          family_name: account.family_name,
          name: `${account.given_name} ${account.family_name}`.trim(),
        };
        if (account.pin) claims[PIN_CLAIM] = account.pin;
        if (account.org) claims[ORG_CLAIM] = account.org;
        if (account.email) {
          claims.email = account.email;
          claims.email_verified = account.email_verified;
        }
        return claims;
      },
    };
  },
  // A test provider asks for no consent: every requested scope is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fel', `<h1>Fel</h1><p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});

if (values['any-local-redirect']) {
  const registered = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    try {
      const url = new URL(value);
      if (['127.0.0.1', 'localhost', 'testserver'].includes(url.hostname)
        && url.pathname === '/accounts/oidc/eid/login/callback/') return true;
    } catch {
      return false;
    }
    return registered.call(this, value);
  };
}

function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>${body}</main></body></html>`;
}

function loginForm(uid, clientName) {
  return page('Test-BankID', `
<h1>Test-BankID</h1>
<p>En legitimering för test, inte en riktig e-legitimation. ${escape(clientName)} får det du fyller i.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <p><label for="pin">Personnummer (12 siffror)</label><br>
     <input id="pin" name="pin" inputmode="numeric" autocomplete="off"></p>
  <fieldset><legend>Tillitsnivå</legend>
    <p><input type="radio" id="loa3" name="loa" value="loa3" checked> <label for="loa3">loa3 (som BankID)</label></p>
    <p><input type="radio" id="loa2" name="loa" value="loa2"> <label for="loa2">loa2</label></p>
  </fieldset>
  <p><label for="given_name">Förnamn</label><br><input id="given_name" name="given_name" value="Test"></p>
  <p><label for="family_name">Efternamn</label><br><input id="family_name" name="family_name" value="Testsson"></p>
  <p><label for="email">E-postadress (valfri)</label><br><input id="email" name="email" type="email"></p>
  <p><input type="checkbox" id="email_verified" name="email_verified" value="1" checked>
     <label for="email_verified">E-postadressen är verifierad</label></p>
  <p><label for="org">Organisationsnummer (valfritt)</label><br><input id="org" name="org"></p>
  <p><button type="submit">Legitimera</button>
     <button type="submit" name="cancel" value="1">Avbryt</button></p>
</form>`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10000) req.destroy();
    });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on('error', reject);
  });
}

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url.split('?')[0]);
  if (!match) {
    if (req.url.split('?')[0] === '/auth' && req.headers.cookie) {
      // Like BankID, every sign-in asks again: a new authorisation request forgets the last session.
      req.headers.cookie = req.headers.cookie.split(/;\s*/).filter((c) => !c.startsWith('_session')).join('; ');
    }
    callback(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET' && !match[2]) {
      const client = await provider.Client.find(details.params.client_id);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(loginForm(details.uid, client?.clientId || ''));
      return;
    }
    if (req.method !== 'POST' || !match[2]) {
      res.writeHead(405).end();
      return;
    }
    const form = await readForm(req);
    if (form.cancel) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The person cancelled the sign-in.',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const pin = (form.pin || '').replace(/\D/g, '');
    const sub = crypto.createHash('sha256').update(pin || crypto.randomUUID()).digest('hex').slice(0, 32);
    accounts.set(sub, {
      pin,
      given_name: form.given_name || '',
      family_name: form.family_name || '',
      email: (form.email || '').trim(),
      email_verified: form.email_verified === '1',
      org: (form.org || '').replace(/\D/g, ''),
    });
    await provider.interactionFinished(req, res, {
      login: { accountId: sub, acr: LOA[form.loa] || LOA.loa3, amr: ['bankid'] },
    }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page('Fel', `<h1>Fel</h1><p>${escape(error.message)}</p>`));
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
