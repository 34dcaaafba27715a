// A real OpenID Connect provider for Hearth's tests: node's oidc-provider on a loopback port.
//
//   node server.js CONFIG.json
//
// CONFIG (written by tests/oidc/conftest.py) holds the signing keys, the clients, the users and
// Hearth's resource indicator. The server listens on 127.0.0.1 on a free port and prints one JSON
// line, {"issuer": "http://127.0.0.1:PORT"}, once it answers.
//
// Sign-in is a tiny JSON interaction instead of HTML pages:
//   GET  /interaction/:uid              -> {"uid", "prompt"}
//   POST /interaction/:uid/login user=X -> logs in user X with that user's amr/acr, then 303 on
// Consent is implied for the configured clients (a first-party grant), so login is the only step.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { resource, users } = config;

function account(id) {
  const user = users[id];
  if (!user) return undefined;
  return {
    accountId: id,
    async claims() {
      return { sub: id, ...user.claims };
    },
  };
}

function providerConfiguration() {
  return {
    clients: config.clients,
    jwks: config.jwks,
    cookies: { keys: config.cookie_keys },
    acrValues: config.acr_values,
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      iss: null,
      sid: null,
      // Like most providers, every ID token says how and when the user signed in.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // The ID token carries the scope's claims too (Hearth maps users from the ID token).
    conformIdTokenClaims: false,
    findAccount: (ctx, id) => account(id),
    ttl: { AccessToken: 300, IdToken: 300, AuthorizationCode: 60, Interaction: 300, Session: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: resource,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // Access tokens carry what a resource server needs (RFC 9068 2.2.1): when and how the user
    // signed in, and the claims Hearth may map users by.
    extraTokenClaims: (ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx.oidc.entities.AuthorizationCode || ctx.oidc.entities.RefreshToken;
      const user = users[token.accountId];
      if (!source || !user) return undefined;
      return {
        auth_time: source.authTime,
        amr: source.amr,
        acr: source.acr,
        email: user.claims.email,
        email_verified: user.claims.email_verified,
      };
    },
    // First-party clients: consent is implied.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addResourceScope(resource, 'api');
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16384) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    json(res, 200, { uid: details.uid, prompt: details.prompt.name });
    return;
  }
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const id = form.get('user');
    const user = users[id];
    if (!user) {
      json(res, 400, { error: 'unknown user' });
      return;
    }
    const login = { accountId: id, amr: user.amr, acr: user.acr };
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  json(res, 405, { error: 'method not allowed' });
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, providerConfiguration());
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error) => {
        json(res, 400, { error: error.name, message: error.message });
      });
    } else {
      handle(req, res);
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
