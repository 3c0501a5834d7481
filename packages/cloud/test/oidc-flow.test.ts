/**
 * OpenID Connect end to end over real HTTPS: a real relying party (openid-client 6, trusting the dev CA) against a
 * tenant's provider, passwords checked by the agent's directory validator against the Samba AD test bed.
 * Covers OpenID Connect Core 3.1 (code flow), RFC 7636 (PKCE), RFC 6749 6 (refresh), Core 5.3 (userinfo),
 * RP-Initiated Logout 1.0, and the error paths a relying party can hit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { type AdVerifier, adVerifier } from './support/ad-verifier.ts';
import { HttpSession } from './support/http-session.ts';
import { type Harness, POST_LOGOUT_URI, REDIRECT_URI, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, redeemCode, signIn } from './support/oidc-rp.ts';

let adv: AdVerifier;
let h: Harness;

before(async () => {
  adv = await adVerifier();
  h = await startHarness({
    verifier: adv.verifier,
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
});

after(async () => {
  await h?.close();
  await adv?.close();
});

async function jwks() {
  const response = await h.fetch(`${h.tenant.issuer}/jwks`);
  assert.equal(response.status, 200);
  return (await response.json()) as { keys: { kid: string; kty: string; d?: string }[] };
}

describe('OIDC provider of a tenant', () => {
  test('discovery names the tenant issuer, code flow only, S256 only, and the JWKS publishes public keys', async () => {
    const response = await h.fetch(`${h.tenant.issuer}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const meta = (await response.json()) as Record<string, unknown>;
    assert.equal(meta.issuer, h.tenant.issuer);
    assert.equal(meta.token_endpoint, `${h.tenant.issuer}/token`);
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok((meta.token_endpoint_auth_methods_supported as string[]).includes('private_key_jwt'));
    assert.ok((meta.scopes_supported as string[]).includes('groups'));
    assert.ok(typeof meta.end_session_endpoint === 'string');
    const set = await jwks();
    // The active key and the next one (published before it is used).
    assert.equal(set.keys.length, 2);
    for (const key of set.keys) assert.equal(key.d, undefined, 'no private key material in the JWKS');
  });

  test('code + PKCE: ID token valid against the JWKS with the expected claims; userinfo; refresh; logout', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const config = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.grouped;
    const { pending, callback, session } = await signIn(h, config, user.upn, user.password, {
      scope: 'openid profile email groups',
    });
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    assert.ok(tokens.id_token && tokens.access_token && tokens.refresh_token);

    // Verify the ID token signature against the published JWKS ourselves (not only what openid-client checks).
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createLocalJWKSet(await jwks()), {
      issuer: h.tenant.issuer,
      audience: clientId,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    const stored = await h.cloud.ctx.services.users.getById(h.tenant.id, String(payload.sub));
    assert.ok(stored, 'sub is the JIT-provisioned user id');
    assert.notEqual(payload.sub, user.upn);
    assert.match(stored.objectGuid, /^[0-9a-f-]{36}$/);
    assert.equal(payload.preferred_username, user.upn);
    assert.equal(payload.name, user.displayName);
    assert.equal(payload.email, user.mail);
    assert.ok(Array.isArray(payload.groups));
    for (const g of user.groups) assert.ok((payload.groups as string[]).includes(g), `groups has ${g}`);
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(typeof payload.auth_time, 'number');
    assert.equal(payload.nonce, pending.nonce);

    const info = await oidc.fetchUserInfo(config, tokens.access_token, String(payload.sub));
    assert.equal(info.sub, payload.sub);
    assert.equal(info.email, user.mail);
    assert.ok(Array.isArray(info.groups));

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.claims()?.sub, payload.sub);
    const info2 = await oidc.fetchUserInfo(config, refreshed.access_token, String(payload.sub));
    assert.equal(info2.sub, payload.sub);

    // RP-initiated logout: the confirmation page, then back to the registered post-logout URI.
    const endSession = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const confirm = await session.follow(endSession.href, h.baseUrl);
    assert.equal(confirm.status, 200);
    assert.match(confirm.body, /Sign out\?/);
    const action = /<form[^>]*id="op.logoutForm"[^>]*>|<form[^>]*action="([^"]+)"[^>]*id="op.logoutForm"/.exec(
      confirm.body,
    );
    assert.ok(action, 'logout form present');
    const formAction = /action="([^"]+)"/.exec(action[0])?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1];
    assert.ok(formAction && xsrf);
    const done = await session.follow(new URL(formAction, h.baseUrl).href, h.baseUrl, {
      form: { xsrf, logout: 'yes' },
    });
    assert.ok(done.location?.startsWith(POST_LOGOUT_URI), `redirected to ${done.location}`);
    assert.equal(new URL(done.location!).searchParams.get('state'), 'bye');

    // The session is gone: a silent request now needs a login.
    const silent = await authorizationRequest(config, { prompt: 'none' });
    const back = await session.follow(silent.url.href, h.baseUrl);
    assert.ok(back.location?.startsWith(REDIRECT_URI));
    assert.equal(new URL(back.location!).searchParams.get('error'), 'login_required');
  });

  test('an SSO session signs in again without the form, with the same sub', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const config = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.normal;
    const first = await signIn(h, config, user.upn, user.password);
    const t1 = await redeemCode(config, first.callback, first.pending);
    // The second request also asks for a scope the first did not: the first-party grant grows, still no page.
    const again = await authorizationRequest(config, { scope: 'openid profile email groups' });
    const back = await first.session.follow(again.url.href, h.baseUrl);
    assert.ok(back.location?.startsWith(REDIRECT_URI), 'no sign-in page the second time');
    const t2 = await redeemCode(config, new URL(back.location!), again);
    assert.equal(t2.claims()?.sub, t1.claims()?.sub);
    assert.equal(t1.claims()?.groups, undefined);
    assert.ok(Array.isArray(t2.claims()?.groups));
    // A third request with nothing new reuses the grant unchanged.
    const third = await authorizationRequest(config, { scope: 'openid profile' });
    const back3 = await first.session.follow(third.url.href, h.baseUrl);
    assert.ok(back3.location?.startsWith(REDIRECT_URI));
  });

  test('groups are released only with the groups scope', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const config = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.grouped;
    const { pending, callback } = await signIn(h, config, user.upn, user.password, { scope: 'openid profile' });
    const tokens = await redeemCode(config, callback, pending);
    const claims = tokens.claims();
    assert.equal(claims?.groups, undefined);
    assert.equal(claims?.email, undefined, 'no email without the email scope');
    assert.equal(claims?.preferred_username, user.upn);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims?.sub));
    assert.equal(info.groups, undefined);
  });

  test('a replayed authorization code is refused (invalid_grant)', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const config = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.normal;
    const { pending, callback } = await signIn(h, config, user.upn, user.password);
    const checks = {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    };
    await oidc.authorizationCodeGrant(config, callback, checks);
    await assert.rejects(oidc.authorizationCodeGrant(config, callback, checks), (error: Error & { error?: string }) => {
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
  });

  test('a wrong client secret is refused (invalid_client, 401)', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const good = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.normal;
    const { pending, callback } = await signIn(h, good, user.upn, user.password);
    const bad = await discoverRp(h, clientId, `${clientSecret}x`);
    await assert.rejects(redeemCode(bad, callback, pending), (error: Error & { error?: string; status?: number }) => {
      assert.equal(error.error, 'invalid_client');
      assert.equal(error.status, 401);
      return true;
    });
  });

  test('an unregistered redirect URI gets an error page, never a redirect', async () => {
    const { clientId, clientSecret } = await h.createClient();
    const config = await discoverRp(h, clientId, clientSecret);
    const pending = await authorizationRequest(config, { redirectUri: 'https://evil.example.test/cb' });
    const page = await new HttpSession(h.fetch).follow(pending.url.href, h.baseUrl);
    assert.equal(page.status, 400);
    assert.equal(page.location, undefined);
    assert.match(page.body, /redirect_uri/);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  test('public clients must use PKCE; with S256 they sign in without a secret', async () => {
    const { clientId } = await h.createClient({ public: true });
    const config = await discoverRp(h, clientId, undefined, oidc.None());
    const noPkce = await authorizationRequest(config, { pkce: false });
    const refused = await new HttpSession(h.fetch).follow(noPkce.url.href, h.baseUrl);
    assert.ok(refused.location?.startsWith(REDIRECT_URI));
    const params = new URL(refused.location!).searchParams;
    assert.equal(params.get('error'), 'invalid_request');
    assert.match(params.get('error_description') ?? '', /PKCE/);

    const user = adv.ad.users.normal;
    const { pending, callback } = await signIn(h, config, user.upn, user.password);
    const tokens = await redeemCode(config, callback, pending);
    assert.equal(tokens.claims()?.preferred_username, user.upn);
    // A wrong verifier is refused.
    const second = await signIn(h, config, user.upn, user.password);
    await assert.rejects(
      oidc.authorizationCodeGrant(config, second.callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: second.pending.state,
        expectedNonce: second.pending.nonce,
      }),
      (error: Error & { error?: string }) => error.error === 'invalid_grant',
    );
  });

  test('client_secret_post and private_key_jwt clients authenticate at the token endpoint', async () => {
    const user = adv.ad.users.normal;
    const post = await h.createClient({ settings: { tokenEndpointAuthMethod: 'client_secret_post' } });
    const postConfig = await discoverRp(h, post.clientId, undefined, oidc.ClientSecretPost(post.clientSecret));
    const a = await signIn(h, postConfig, user.upn, user.password);
    const ta = await redeemCode(postConfig, a.callback, a.pending);
    assert.ok(ta.access_token);

    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'rp-key-1' };
    const pkj = await h.createClient({
      settings: { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [jwk] } },
    });
    const pkjConfig = await discoverRp(
      h,
      pkj.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: privateKey, kid: 'rp-key-1' }),
    );
    const b = await signIn(h, pkjConfig, user.upn, user.password);
    const tb = await redeemCode(pkjConfig, b.callback, b.pending);
    assert.ok(tb.access_token);
    // The same client with a secret instead of its key is refused.
    const c = await signIn(h, pkjConfig, user.upn, user.password);
    const wrongAuth = await discoverRp(h, pkj.clientId, 'not-a-secret');
    await assert.rejects(
      redeemCode(wrongAuth, c.callback, c.pending),
      (error: Error & { error?: string }) => error.error === 'invalid_client',
    );
  });

  test('a third-party client shows the consent page; first-party clients never do', async () => {
    const { clientId, clientSecret } = await h.createClient({ settings: { firstParty: false } });
    const config = await discoverRp(h, clientId, clientSecret);
    const user = adv.ad.users.normal;
    const session = new HttpSession(h.fetch);
    const pending = await authorizationRequest(config);
    const page = await openSignIn(h, session, pending.url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const loginAction = /action="([^"]*\/login)"/.exec(page.body)?.[1] ?? '';
    const consent = await session.follow(new URL(loginAction, h.baseUrl).href, h.baseUrl, {
      form: { csrf, username: user.upn, password: user.password },
    });
    assert.equal(consent.status, 200);
    assert.match(consent.body, /Allow access\?/);
    assert.match(consent.body, /Your email address/);
    const consentAction = /action="([^"]*\/consent)"/.exec(consent.body)?.[1] ?? '';
    const csrf2 = /name="csrf" value="([^"]+)"/.exec(consent.body)?.[1] ?? '';
    const back = await session.follow(new URL(consentAction, h.baseUrl).href, h.baseUrl, { form: { csrf: csrf2 } });
    assert.ok(back.location?.startsWith(REDIRECT_URI));
    const tokens = await redeemCode(config, new URL(back.location!), pending);
    assert.equal(tokens.claims()?.email, user.mail);
  });
});
