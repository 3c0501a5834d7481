/**
 * `openpta admin client create` with the per-client settings (auth method, private_key_jwt keys, post-logout URIs,
 * third-party consent) and `openpta admin tenant rotate-keys`, run as real CLI processes against a real server; a real
 * relying party (openid-client) then uses the clients so the settings are proven to take effect, not only stored.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { runCli } from './helpers/cli-process.ts';
import { type Harness, POST_LOGOUT_URI, REDIRECT_URI } from './support/oidc-harness.ts';
import {
  authorizationRequest,
  discoverRp,
  HttpSession,
  openSignIn,
  redeemCode,
  signIn,
  submitSignIn,
} from './support/oidc-rp.ts';
import { startScriptedHarness } from './support/scripted-harness.ts';

const PASSWORD = 'Scripted-Pass-2';
const USER = 'lee@corp.example.test';
let h: Harness;
let admin: (...args: string[]) => ReturnType<typeof runCli>;

before(async () => {
  h = await startScriptedHarness(PASSWORD, '1f0e0d0c-0b0a-4909-8807-060504030201');
  admin = (...args) => runCli(['admin', '--data-dir', h.dir, ...args], { OPENPTA_ADMIN_TOKEN: undefined });
});
after(async () => h?.close());

/** `openpta admin client create --tenant acme --redirect-uri REDIRECT_URI ...extra` (global options go first). */
function clientCreate(...extra: string[]) {
  const globals = extra[0] === '--json' ? [extra.shift()!] : [];
  return admin(...globals, 'client', 'create', '--tenant', 'acme', '--redirect-uri', REDIRECT_URI, ...extra);
}

async function createClient(...extra: string[]) {
  const result = await clientCreate('--json', ...extra);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown> & { client_id: string; client_secret?: string };
}

async function codeGrant(config: oidc.Configuration) {
  const { pending, callback } = await signIn(h, config, USER, PASSWORD);
  return redeemCode(config, callback, pending);
}

describe('admin client create: settings', () => {
  test('--auth-method private_key_jwt --jwks-file: no secret is issued; the RP authenticates with its key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'cli-key-1' };
    const file = join(h.dir, 'rp-jwk.json');
    writeFileSync(file, JSON.stringify(jwk)); // one JWK: the CLI wraps it into a set
    const client = await createClient('--auth-method', 'private_key_jwt', '--jwks-file', file);
    assert.equal(client.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.equal(client.client_secret, undefined, 'a key-authenticated client gets no secret');

    const config = await discoverRp(
      h,
      client.client_id,
      undefined,
      oidc.PrivateKeyJwt({ key: privateKey, kid: 'cli-key-1' }),
    );
    assert.ok((await codeGrant(config)).access_token);
    // Without its key (a made-up secret instead), the token endpoint refuses it.
    const { pending, callback } = await signIn(h, config, USER, PASSWORD);
    const wrong = await discoverRp(h, client.client_id, 'not-a-secret');
    await assert.rejects(
      redeemCode(wrong, callback, pending),
      (error: Error & { error?: string }) => error.error === 'invalid_client',
    );
  });

  test('--auth-method client_secret_post: the printed secret authenticates in the request body', async () => {
    const client = await createClient('--auth-method', 'client_secret_post');
    assert.equal(client.tokenEndpointAuthMethod, 'client_secret_post');
    const post = await discoverRp(h, client.client_id, undefined, oidc.ClientSecretPost(client.client_secret));
    assert.ok((await codeGrant(post)).access_token);
    // oidc-provider accepts either secret method for a secret client (lib/shared/client_auth.js); a wrong secret never.
    const wrong = await discoverRp(h, client.client_id, undefined, oidc.ClientSecretPost('not-the-secret'));
    await assert.rejects(codeGrant(wrong), (error: Error & { error?: string }) => error.error === 'invalid_client');
  });

  test('--post-logout-redirect-uri: RP-initiated logout returns there; human output lists the settings', async () => {
    const created = await clientCreate('--post-logout-redirect-uri', POST_LOGOUT_URI);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^tokenEndpointAuthMethod: +client_secret_basic$/m);
    assert.match(created.stdout, new RegExp(`^postLogoutRedirectUris: +${POST_LOGOUT_URI}$`, 'm'));
    assert.match(created.stdout, /^firstParty: +true$/m);
    const clientId = /^client_id: +(\S+)$/m.exec(created.stdout)?.[1] ?? '';
    const secret = /^client_secret: +(\S+)$/m.exec(created.stdout)?.[1];
    const config = await discoverRp(h, clientId, secret);
    const tokens = await codeGrant(config);
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const session = new HttpSession(h.fetch);
    const confirm = await session.follow(logout.href, h.baseUrl);
    // oidc-provider asks the user to confirm the logout with a form; submit it and land on the registered URI.
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1];
    assert.ok(xsrf, `logout confirmation form: ${confirm.status} ${confirm.body.slice(0, 300)}`);
    const action = /action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const done = await session.follow(new URL(action, h.baseUrl).href, h.baseUrl, { form: { xsrf, logout: 'yes' } });
    assert.ok(done.location?.startsWith(`${POST_LOGOUT_URI}?state=bye`), `landed on ${done.location}`);
  });

  test('--third-party: the user sees the consent page before the application gets a code', async () => {
    const client = await createClient('--third-party');
    assert.equal(client.firstParty, false);
    const config = await discoverRp(h, client.client_id, client.client_secret);
    const session = new HttpSession(h.fetch);
    const page = await openSignIn(h, session, (await authorizationRequest(config)).url);
    const consent = await submitSignIn(h, session, page, USER, PASSWORD);
    assert.equal(consent.status, 200);
    assert.match(consent.body, /Allow access\?/);
    const firstParty = await createClient();
    assert.equal(firstParty.firstParty, true);
    assert.ok((await codeGrant(await discoverRp(h, firstParty.client_id, firstParty.client_secret))).access_token);
  });

  test('bad settings: clear errors naming the field, exit 1, nothing created', async () => {
    const before = (await h.cloud.ctx.services.clients.list(h.tenant.id)).length;
    const noKeys = await clientCreate('--auth-method', 'private_key_jwt');
    assert.equal(noKeys.code, 1);
    assert.match(
      noKeys.stderr,
      /settings\.jwks: private_key_jwt needs the client public keys in jwks \(CLI: --jwks-file\).*HTTP 400/,
    );

    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const file = join(h.dir, 'private-jwk.json');
    writeFileSync(file, JSON.stringify({ keys: [await exportJWK(privateKey)] }));
    const priv = await clientCreate('--auth-method', 'private_key_jwt', '--jwks-file', file);
    assert.equal(priv.code, 1);
    assert.match(priv.stderr, /settings\.jwks\.keys\.0: a key holds private key material/);

    const pub = await clientCreate('--public', '--auth-method', 'client_secret_post');
    assert.equal(pub.code, 1);
    assert.match(pub.stderr, /settings\.tokenEndpointAuthMethod: a public client authenticates with PKCE only/);

    const logout = await clientCreate('--post-logout-redirect-uri', 'http://evil.example/x');
    assert.equal(logout.code, 1);
    assert.match(logout.stderr, /settings\.postLogoutRedirectUris\.0: redirect URI must be an absolute https URL/);

    const method = await clientCreate('--auth-method', 'none');
    assert.equal(method.code, 1);
    assert.match(method.stderr, /--auth-method <method>' argument 'none' is invalid/);

    const notJson = join(h.dir, 'not-json.txt');
    writeFileSync(notJson, 'not json');
    const bad = await clientCreate('--auth-method', 'private_key_jwt', '--jwks-file', notJson);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--jwks-file .*not-json\.txt: it is not JSON/);

    assert.equal((await h.cloud.ctx.services.clients.list(h.tenant.id)).length, before);
  });
});

describe('admin tenant rotate-keys', () => {
  test('the next key starts signing; the old one stays published; keys lists them; unknown tenant fails', async () => {
    const keys = await admin('--json', 'tenant', 'keys', '--name', 'acme');
    assert.equal(keys.code, 0, keys.stderr);
    const [active, next] = JSON.parse(keys.stdout) as { kid: string; signs: boolean }[];
    assert.ok(active?.signs && next && !next.signs);

    const rotated = await admin('--json', 'tenant', 'rotate-keys', '--name', 'acme');
    assert.equal(rotated.code, 0, rotated.stderr);
    const result = JSON.parse(rotated.stdout);
    assert.equal(result.activeKid, next.kid, 'the key published in advance becomes active');
    assert.equal(result.retiredKid, active.kid);

    const published = (await (await h.fetch(`${h.tenant.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    const kids = published.keys.map((k) => k.kid);
    assert.deepEqual(kids.slice(0, 2), [next.kid, result.nextKid]);
    assert.ok(kids.includes(active.kid), 'the retired key stays published until its tokens expire');

    const client = await createClient();
    const tokens = await codeGrant(await discoverRp(h, client.client_id, client.client_secret));
    assert.equal(decodeProtectedHeader(tokens.id_token!).kid, next.kid, 'ID tokens are signed with the new key');

    const human = await admin('tenant', 'rotate-keys', '--name', 'acme');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^activeKid: +${result.nextKid}$`, 'm'));
    assert.match(human.stdout, new RegExp(`^retiredKid: +${next.kid}$`, 'm'));

    const missing = await admin('tenant', 'rotate-keys', '--name', 'nobody');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not_found, HTTP 404/);
  });
});
