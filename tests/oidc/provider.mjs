// A real OpenID Connect provider for the hub's single sign-on tests: the certified
// `oidc-provider` package, configured from a JSON file, on 127.0.0.1.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}],
//               "accounts": {"<login>": {"email": ..., "email_verified": true, "name": ...}}}
// It prints one line, "listening <issuer>", once it serves.
//
// Sign-in is a plain form at /interaction/<uid> asking for an account's login (no
// password: the tests are about the hub, not this provider's own checks); consent is
// given for every client. For tests of a misbehaving provider, POST /_test/id-token
// {"claims": {...}, "expired": true, "tamper": true} makes the ID tokens that follow
// carry those claims, be out of date, or have a broken signature, re-signed with the
// provider's own key otherwise; POST /_test/id-token {} puts things right.

import { readFileSync } from "node:fs";
import http from "node:http";
import { randomBytes } from "node:crypto";

import * as jose from "jose";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = config.accounts ?? {};

const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };

// What the next ID tokens get wrong (set through /_test/id-token).
let misbehaviour = {};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function signInPage(uid, problem) {
  const error = problem ? `<p role="alert">${escapeHtml(problem)}</p>` : "";
  return `<!doctype html><html lang="en"><head><title>Test identity provider</title></head>
<body><h1>Sign in to the test identity provider</h1>${error}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Account</label> <input id="login" name="login" autocomplete="off">
<button type="submit">Sign in</button></form></body></html>`;
}

async function misbehave(idToken) {
  const { claims = {}, expired = false, tamper = false } = misbehaviour;
  if (!Object.keys(claims).length && !expired && !tamper) return idToken;
  const payload = { ...jose.decodeJwt(idToken), ...claims };
  if (expired) {
    const now = Math.floor(Date.now() / 1000);
    Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
  }
  const key = await jose.importJWK(signingKey, "RS256");
  let token = await new jose.SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: signingKey.kid, typ: "JWT" })
    .sign(key);
  if (tamper) {
    const [header, body, signature] = token.split(".");
    const flipped = signature[10] === "A" ? "B" : "A";
    token = [header, body, signature.slice(0, 10) + flipped + signature.slice(11)].join(".");
  }
  return token;
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      ...client,
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Scope claims go in the ID token as well as to userinfo, as most providers do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      if (!Object.hasOwn(accounts, id)) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
    },
    async loadExistingGrant(ctx) {
      const { client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) {
      await next();
      if (ctx.path === "/token" && ctx.status === 200 && ctx.body?.id_token) {
        ctx.body = { ...ctx.body, id_token: await misbehave(ctx.body.id_token) };
      }
      return;
    }
    const { uid } = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = "html";
    if (ctx.method !== "POST" || !match[2]) {
      ctx.body = signInPage(uid);
      return;
    }
    const login = new URLSearchParams(await readBody(ctx.req)).get("login") ?? "";
    if (!Object.hasOwn(accounts, login)) {
      ctx.status = 400;
      ctx.body = signInPage(uid, "There is no such account.");
      return;
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: login } });
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  const handle = provider.callback();
  server.on("request", async (req, res) => {
    if (req.url === "/_test/id-token" && req.method === "POST") {
      misbehaviour = JSON.parse((await readBody(req)) || "{}");
      res.writeHead(204).end();
      return;
    }
    handle(req, res);
  });
  console.log(`listening ${issuer}`);
});
