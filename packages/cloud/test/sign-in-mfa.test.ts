/**
 * Second factors inside the sign-in interaction, with passwords checked against the AD test bed: a tenant policy
 * requiring MFA for one AD group, authenticator set-up (TOTP, RFC 6238) with recovery codes, the code challenge on
 * later sign-ins, recovery codes, replay refusal, `amr` in the ID token (RFC 8176), forged stages refused, and the
 * sign-in log records of every step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { Secret } from 'otpauth';
import { totpCodeAt } from '../src/mfa/index.ts';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { SignInLogStore } from '../src/sign-in-log/index.ts';
import { type AdVerifier, adVerifier } from './support/ad-verifier.ts';
import { formAction, HttpSession, hiddenValue, type PageResponse } from './support/http-session.ts';
import { type Harness, REDIRECT_URI, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, redeemCode, submitSignIn } from './support/oidc-rp.ts';

let adv: AdVerifier;
let h: Harness;
let config: oidc.Configuration;
let secret: Uint8Array;
let recoveryCodes: string[] = [];

before(async () => {
  adv = await adVerifier();
  h = await startHarness({
    verifier: adv.verifier,
    tenantSettings: { protection: { mfa: { mode: 'groups', groups: ['VPN Users'] } } },
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
  const { clientId, clientSecret } = await h.createClient();
  config = await discoverRp(h, clientId, clientSecret);
});

after(async () => {
  await h?.close();
  await adv?.close();
});

function alertText(page: PageResponse): string {
  return /<div class="alert" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
}

async function passwordStep(user: { upn: string; password: string }) {
  const session = new HttpSession(h.fetch);
  const pending = await authorizationRequest(config);
  const page = await openSignIn(h, session, pending.url);
  const next = await submitSignIn(h, session, page, user.upn, user.password);
  return { session, pending, next };
}

async function post(session: HttpSession, page: PageResponse, suffix: string, form: Record<string, string>) {
  const action = new URL(formAction(page.body, suffix), h.baseUrl).href;
  return session.follow(action, h.baseUrl, { form: { csrf: hiddenValue(page.body, 'csrf'), ...form } });
}

async function amrOf(done: PageResponse, pending: Awaited<ReturnType<typeof authorizationRequest>>) {
  assert.equal(done.status, 303, alertText(done) || done.body.slice(0, 300));
  assert.ok(done.location?.startsWith(REDIRECT_URI));
  const tokens = await redeemCode(config, new URL(done.location!), pending);
  return tokens.claims()?.amr;
}

describe('MFA at sign-in', () => {
  test('a user the policy covers sets up an authenticator app, saves recovery codes and gets amr pwd+otp', async () => {
    const { session, pending, next } = await passwordStep(adv.ad.users.grouped);
    assert.equal(next.status, 200);
    assert.match(next.body, /<h1 id="title">Set up your authenticator app<\/h1>/);
    assert.match(next.body, /<svg[\s>]/);
    const grouped = /<code id="secret">([A-Z2-7 ]+)<\/code>/.exec(next.body)?.[1];
    assert.ok(grouped);
    secret = Secret.fromBase32(grouped.replaceAll(' ', '')).bytes;

    // A code from ten minutes ago is outside the window: refused, and the same set-up stays pending.
    const wrong = await post(session, next, '/mfa-enrol', { code: totpCodeAt(secret, Date.now() - 600_000) });
    assert.match(alertText(wrong), /not right/);

    const codes = await post(session, next, '/mfa-enrol', { code: totpCodeAt(secret, Date.now()) });
    assert.equal(codes.status, 200);
    assert.match(codes.body, /Save your recovery codes/);
    recoveryCodes = [...codes.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.ok(recoveryCodes.length >= 5);
    const done = await post(session, codes, '/mfa-continue', {});
    assert.deepEqual(await amrOf(done, pending), ['pwd', 'otp', 'mfa']);
  });

  test('later sign-ins ask for a code: a wrong one keeps the challenge, the right one finishes', async () => {
    assert.ok(secret, 'needs the set-up above');
    const { session, pending, next } = await passwordStep(adv.ad.users.grouped);
    assert.match(next.body, /<h1 id="title">Verify it is you<\/h1>/);
    assert.match(next.body, /autocomplete="one-time-code"/);
    const wrong = await post(session, next, '/mfa', {
      method: 'totp',
      code: totpCodeAt(secret, Date.now() - 600_000),
    });
    assert.equal(wrong.status, 200);
    assert.match(alertText(wrong), /not right/);
    // The step after the one the set-up used (within the RFC 6238 window).
    const done = await post(session, wrong, '/mfa', { method: 'totp', code: totpCodeAt(secret, Date.now() + 30_000) });
    assert.deepEqual(await amrOf(done, pending), ['pwd', 'otp', 'mfa']);

    // The same code again, in a new sign-in: a replay, refused.
    const again = await passwordStep(adv.ad.users.grouped);
    const replay = await post(again.session, again.next, '/mfa', {
      method: 'totp',
      code: totpCodeAt(secret, Date.now() + 30_000),
    });
    assert.match(alertText(replay), /not right/);
  });

  test('a recovery code works once', async () => {
    assert.ok(recoveryCodes.length > 0, 'needs the set-up above');
    const { session, pending, next } = await passwordStep(adv.ad.users.grouped);
    const recoveryForm = await session.request(
      `${new URL(formAction(next.body, '/mfa'), h.baseUrl).href.replace(/\/mfa$/, '')}?recovery=1`,
    );
    assert.match(recoveryForm.body, /<label for="code">Recovery code<\/label>/);
    const done = await post(session, recoveryForm, '/mfa', { method: 'recovery_code', code: recoveryCodes[0]! });
    assert.deepEqual(await amrOf(done, pending), ['pwd', 'otp', 'mfa']);

    const second = await passwordStep(adv.ad.users.grouped);
    const reused = await post(second.session, second.next, '/mfa', {
      method: 'recovery_code',
      code: recoveryCodes[0]!,
    });
    assert.match(alertText(reused), /not right/);
  });

  test('a user outside the policy finishes with the password alone (amr pwd)', async () => {
    const { pending, next } = await passwordStep(adv.ad.users.normal);
    assert.deepEqual(await amrOf(next, pending), ['pwd']);
  });

  test('a stage the interaction did not reach cannot be claimed', async () => {
    const session = new HttpSession(h.fetch);
    const page = await openSignIn(h, session, (await authorizationRequest(config)).url);
    const base = new URL(formAction(page.body, '/login'), h.baseUrl).href.replace(/\/login$/, '');
    const csrf = hiddenValue(page.body, 'csrf');
    for (const [path, form] of [
      ['/mfa', { csrf, method: 'totp', code: '123456' }],
      ['/mfa-enrol', { csrf, code: '123456' }],
      ['/mfa-continue', { csrf }],
      ['/mfa-enrol-key', { csrf, method: 'webauthn', response: '{}' }],
      ['/change-password', { csrf, currentPassword: 'a', newPassword: 'b', confirmPassword: 'b' }],
    ] as const) {
      const response = await session.request(`${base}${path}`, { form });
      assert.equal(response.status, 303, path);
      assert.equal(response.location, base, `${path} goes back to the interaction, never to the RP`);
    }
  });

  test('a security-key answer for a user without a key, or not JSON, is refused with the challenge again (400)', async () => {
    const { session, next } = await passwordStep(adv.ad.users.grouped);
    assert.match(next.body, /<h1 id="title">Verify it is you<\/h1>/);
    assert.doesNotMatch(next.body, /data-webauthn/, 'no key enrolled: no security-key form');
    for (const response of [
      'not json',
      '{}',
      JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key', response: {} }),
    ]) {
      const refused = await post(session, next, '/mfa', { method: 'webauthn', response });
      assert.equal(refused.status, 400, response);
      assert.match(alertText(refused), /security key answer was not valid/);
    }
  });

  test('every step is in the sign-in log', async () => {
    const log = new SignInLogStore(h.cloud.ctx.store.db);
    const { records } = await log.query({ tenantId: h.tenant.id, limit: 1000 });
    const results = records.map((r) => `${r.stage}:${r.result}`);
    for (const expected of [
      'password:mfa_enrolment_required',
      'password:mfa_pending',
      'mfa:mfa_failed',
      'mfa:success',
      'password:success',
    ]) {
      assert.ok(results.includes(expected), `${expected} in ${results.join(', ')}`);
    }
    const mfa = records.find((r) => r.stage === 'mfa' && r.result === 'success');
    assert.ok(mfa?.userId && mfa.correlationId);
    assert.equal(mfa.username, adv.ad.users.grouped.upn);
  });
});
