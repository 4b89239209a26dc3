// The local stack's OpenID Connect provider (`make dev`, `make test`): a real
// authorization server (npm oidc-provider) standing in for the Cognito user
// pool's hosted UI. Local only: its sign-in form takes any user name, with
// no password.
//
// What it shares with AWS is what matters to the app and the API:
// - authorization code + PKCE for the web app (oidc-client-ts), ID tokens
//   signed ES256 whose `aud` is the app client's id;
// - the ID token's `businessId` and `role` are what the pre token generation
//   trigger answers from our memberships, asked exactly as the user pool asks
//   it (the `auth-pre-token` function, invoked through `make dev`'s
//   emulator), so a user can never choose its tenant here either;
// - its signing key is `.local/jwt/key.pk8`, the one `mint-token` signs
//   with, so tokens minted for curl verify against the same issuer.
//
// Settings (environment): CLOCK_FILE (the stack's clock, see below), OIDC_PORT (9010), JWT_LOCAL_DIR (.local/jwt),
// OIDC_API (the emulator, http://127.0.0.1:9000), OIDC_CLIENT_ID
// (partner-network-local), OIDC_REDIRECT_ORIGINS (comma-separated origins
// of the web app, http://127.0.0.1:8080).
import { createServer } from 'node:http';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Provider from 'oidc-provider';

// The local stack's clock (`make clock`): tokens are issued on the same
// moved clock the functions verify them by, so signing in still works after
// a month has been made to end. The file holds whole seconds of offset.
const clockFile = process.env.CLOCK_FILE;
if (clockFile) {
  const systemNow = Date.now.bind(Date);
  const offsetMs = () => {
    try {
      const text = readFileSync(clockFile, 'utf8').trim();
      return /^-?\d+$/.test(text) ? Number(text) * 1000 : 0;
    } catch {
      return 0;
    }
  };
  Date.now = () => systemNow() + offsetMs();
}

const port = Number(process.env.OIDC_PORT ?? 9010);
const issuer = `http://127.0.0.1:${port}`;
const keyDir = process.env.JWT_LOCAL_DIR ?? '.local/jwt';
const api = (process.env.OIDC_API ?? 'http://127.0.0.1:9000').replace(/\/$/, '');
const clientId = process.env.OIDC_CLIENT_ID ?? 'partner-network-local';
const origins = (process.env.OIDC_REDIRECT_ORIGINS ?? 'http://127.0.0.1:8080').split(',').map((o) => o.trim());

// mint-token's key (PKCS#8 DER) as a private JWK under mint-token's kid.
const der = readFileSync(join(keyDir, 'key.pk8'));
const signingKey = { ...createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }), kid: 'local-dev-1', alg: 'ES256', use: 'sig' };

/** The claims the user pool would add: the pre token generation trigger's answer for `sub`. */
async function poolClaims(sub) {
  const event = {
    version: '2', triggerSource: 'TokenGeneration_Authentication', region: 'us-east-1', userPoolId: 'local', userName: sub,
    callerContext: { awsSdkVersion: 'local-oidc', clientId },
    request: { userAttributes: { sub }, groupConfiguration: null, scopes: ['openid'] },
    response: { claimsAndScopeOverrideDetails: null },
  };
  const res = await fetch(`${api}/2015-03-31/functions/auth-pre-token/invocations`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event),
  });
  if (!res.ok) throw new Error(`auth-pre-token answered ${res.status}: ${await res.text()}`);
  const id = (await res.json())?.response?.claimsAndScopeOverrideDetails?.idTokenGeneration ?? {};
  const claims = { ...(id.claimsToAddOrOverride ?? {}) };
  for (const name of id.claimsToSuppress ?? []) delete claims[name];
  return claims;
}

// Any printable name without '#' is a user (the API's rule for a user id).
const validUser = (name) => typeof name === 'string' && name.length > 0 && name.length <= 64 && /^[\x21-\x7e]+$/.test(name) && !name.includes('#');

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: origins.map((o) => `${o}/callback`),
    post_logout_redirect_uris: origins.map((o) => `${o}/`),
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  // The user pool puts the trigger's claims in the ID token; so do we.
  conformIdTokenClaims: false,
  claims: { openid: ['sub', 'email', 'businessId', 'role'] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    async claims() {
      // A user name that is an email address is also the user's email
      // (the pool's verified `email` attribute), where notifications go.
      const email = /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(sub) ? { email: sub.toLowerCase() } : {};
      return { sub, ...email, ...(await poolClaims(sub)) };
    },
  }),
  // A first-party app: the grant is given at sign-in, no consent screen.
  loadExistingGrant: async (ctx) => {
    const id = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid');
    grant.addOIDCClaims(['businessId', 'role']);
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { logoutSource: signOutPage },
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // As the user pool's default: an hour.
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 86400, Grant: 86400 },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p>${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
});
// Plain http on loopback is what the local stack is.
provider.proxy = false;

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} - Partner Network (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1rem;background:#1d4ed8;color:#fff;border:0;border-radius:.25rem}
.note{color:#444;font-size:.875rem}</style></head><body><main>${body}</main></body></html>`;
}

async function signOutPage(ctx, form) {
  ctx.body = page('Sign out', `<h1>Sign out</h1>${form}<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
}

function signInPage(uid, error) {
  return page('Sign in', `<h1>Partner Network</h1>
<p class="note">Local sign-in: any user name, no password. In AWS this is the user pool's sign-in page.</p>
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="user">User</label>
<input id="user" name="user" required maxlength="64" autofocus ${error ? 'aria-invalid="true" aria-describedby="user-error"' : ''}>
${error ? `<p id="user-error" role="alert">${escape(error)}</p>` : ''}
<button type="submit">Sign in</button>
</form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(signInPage(details.uid));
    }
    const user = (await readForm(req)).get('user')?.trim();
    if (!validUser(user)) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(signInPage(details.uid, 'A user name is 1 to 64 letters, digits or signs, without spaces or #.'));
    }
    await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Sign-in error', `<h1>Sign-in error</h1><p>${escape(err.message)}</p><p><a href="${origins[0]}/">Back to the app</a></p>`));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`local OIDC provider: ${issuer} (client ${clientId})`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
