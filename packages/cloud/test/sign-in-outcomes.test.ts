/**
 * Every sign-in outcome and every kind of bad input, at the HTTP level over real HTTPS, with passwords checked by the
 * agent's directory validator against the Samba AD test bed (users in every account state). What the page must do
 * for each is fixed in src/sign-in/outcome-view.ts; the browser rendering is in sign-in-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import type { CredentialVerifier } from '../src/credentials/index.ts';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { DIRECTORY_UNREACHABLE_MESSAGE, escapeHtml, WRONG_CREDENTIALS_MESSAGE } from '../src/sign-in/index.ts';
import { type AdVerifier, adVerifier, unreachableVerifier } from './support/ad-verifier.ts';
import { formAction, HttpSession, hiddenValue, type PageResponse } from './support/http-session.ts';
import { type Harness, REDIRECT_URI, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, redeemCode, submitSignIn } from './support/oidc-rp.ts';

const WRONG = escapeHtml(WRONG_CREDENTIALS_MESSAGE);
const UNREACHABLE = escapeHtml(DIRECTORY_UNREACHABLE_MESSAGE);

let adv: AdVerifier;
let h: Harness;
let config: oidc.Configuration;
let verifierCalls = 0;

function counting(inner: CredentialVerifier): CredentialVerifier {
  return {
    verifyPassword: (req) => {
      verifierCalls++;
      return inner.verifyPassword(req);
    },
    changePassword: (req) => inner.changePassword(req),
  };
}

before(async () => {
  adv = await adVerifier();
  h = await startHarness({
    verifier: counting(adv.verifier),
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
  // Another tenant owning another domain: its users must read as "wrong password" here.
  await h.cloud.ctx.services.tenants.create({
    name: 'globex',
    displayName: 'Globex',
    domains: ['globex.example.test'],
  });
  const { clientId, clientSecret } = await h.createClient();
  config = await discoverRp(h, clientId, clientSecret);
});

after(async () => {
  await h?.close();
  await adv?.close();
});

async function signInPage(): Promise<{
  session: HttpSession;
  page: PageResponse;
  pending: Awaited<ReturnType<typeof authorizationRequest>>;
}> {
  const session = new HttpSession(h.fetch);
  const pending = await authorizationRequest(config);
  const page = await openSignIn(h, session, pending.url);
  assert.equal(page.status, 200);
  return { session, page, pending };
}

async function attempt(username: string, password: string): Promise<PageResponse> {
  const { session, page } = await signInPage();
  return submitSignIn(h, session, page, username, password);
}

function alertText(page: PageResponse): string {
  return /<div class="alert" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
}

describe('sign-in page', () => {
  test('is server-rendered, escaped, accessible, with the exact fields and strict security headers', async () => {
    const { page } = await signInPage();
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.body, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(page.body, /<input type="text" id="username" name="username" autocomplete="username"/);
    assert.match(page.body, /<input type="password" id="password" name="password" autocomplete="current-password"/);
    assert.match(page.body, /<label for="username">/);
    assert.match(page.body, /<label for="password">/);
    assert.match(page.body, /<button type="submit">Sign in<\/button>/);
    assert.doesNotMatch(page.body, /<script/i);
    // The tenant's display name, HTML-escaped.
    assert.ok(page.body.includes('Acme &lt;Corp&gt; &amp; Sons'));
    assert.ok(!page.body.includes('Acme <Corp>'));
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|script-src/);
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  test('a wrong password re-renders the form with an alert and keeps the interaction open', async () => {
    const user = adv.ad.users.normal;
    const { session, page, pending } = await signInPage();
    const wrong = await submitSignIn(h, session, page, user.upn, adv.ad.wrongPassword);
    assert.equal(wrong.status, 200);
    assert.ok(alertText(wrong).includes(WRONG));
    assert.ok(wrong.body.includes(`value="${user.upn}"`), 'username kept');
    assert.doesNotMatch(wrong.body, new RegExp(adv.ad.wrongPassword), 'password never echoed');
    // The same interaction still completes with the right password.
    const right = await submitSignIn(h, session, wrong, user.upn, user.password);
    assert.equal(right.status, 303);
    assert.ok(right.location?.startsWith(REDIRECT_URI));
    const tokens = await redeemCode(config, new URL(right.location!), pending);
    assert.equal(tokens.claims()?.preferred_username, user.upn);
  });

  test('an unknown user, a foreign domain and another tenant’s domain read exactly like a wrong password', async () => {
    const wrong = await attempt(adv.ad.users.normal.upn, adv.ad.wrongPassword);
    const unknown = await attempt(adv.ad.unknownUpn, 'Whatever-Pass-1');
    const callsBefore = verifierCalls;
    const foreign = await attempt('alice@nowhere.example.test', 'Whatever-Pass-1');
    const otherTenant = await attempt('alice@globex.example.test', 'Whatever-Pass-1');
    assert.equal(verifierCalls, callsBefore, 'home-realm misses never reach the directory');
    for (const page of [unknown, foreign, otherTenant]) {
      assert.equal(page.status, wrong.status);
      assert.equal(alertText(page), alertText(wrong));
    }
  });

  for (const [key, title, text] of [
    ['disabled', 'Account disabled', 'Your account is disabled'],
    ['accountExpired', 'Account expired', 'Your account has expired'],
    ['locked', 'Account locked', 'Your account is locked'],
    ['logonHours', 'Sign-in not allowed now', 'not allowed to sign in at this time'],
  ] as const) {
    test(`a correct password for a ${key} account shows "${title}"`, async () => {
      const user = adv.ad.users[key];
      const page = await attempt(user.upn, user.password);
      assert.equal(page.status, 403);
      assert.match(page.body, new RegExp(`<h1 id="title">${title}</h1>`));
      assert.ok(alertText(page).includes(text));
      assert.match(alertText(page), /Reference: <code>[0-9a-f-]{36}<\/code>/);
      assert.match(page.body, /<a href="\/signin\/acme\/[^"]+">Try again<\/a>/);
      // ...and a wrong password for the same account is just a wrong password (AD reveals nothing then), except
      // for a locked account, which AD reports as locked (775) whatever the password.
      if (key !== 'locked') {
        const wrong = await attempt(user.upn, adv.ad.wrongPassword);
        assert.ok(alertText(wrong).includes(WRONG));
      }
    });
  }

  test('must-change: change page in the same interaction; mismatch, wrong current, policy; then signed in', async () => {
    const user = await adv.ad.createUser({ state: 'mustChange', prefix: 'mc' });
    const { session, page, pending } = await signInPage();
    const change = await submitSignIn(h, session, page, user.upn, user.password);
    assert.equal(change.status, 200);
    assert.match(change.body, /<h1 id="title">Change your password<\/h1>/);
    assert.match(change.body, /requires you to change your password/);
    assert.match(change.body, /name="currentPassword" autocomplete="current-password"/);
    assert.match(change.body, /name="newPassword" autocomplete="new-password"/);
    assert.doesNotMatch(change.body, new RegExp(user.password), 'the old password is not carried in the page');
    const action = new URL(formAction(change.body, '/change-password'), h.baseUrl).href;
    const csrf = hiddenValue(change.body, 'csrf');
    const post = (form: Record<string, string>) => session.follow(action, h.baseUrl, { form: { csrf, ...form } });
    const newPassword = `New-${user.password}-9x`;

    const mismatch = await post({ currentPassword: user.password, newPassword, confirmPassword: `${newPassword}!` });
    assert.equal(mismatch.status, 400);
    assert.ok(alertText(mismatch).includes('do not match'));

    const wrongCurrent = await post({ currentPassword: 'Not-It-1', newPassword, confirmPassword: newPassword });
    assert.ok(alertText(wrongCurrent).includes('current password is not correct'));

    const weak = await post({ currentPassword: user.password, newPassword: 'a', confirmPassword: 'a' });
    assert.ok(alertText(weak).includes('does not meet'), alertText(weak));

    // A reload of the interaction shows the change page again (state kept in the store, not the password).
    const reload = await session.request(page.url);
    assert.match(reload.body, /Change your password/);

    const done = await post({ currentPassword: user.password, newPassword, confirmPassword: newPassword });
    assert.equal(done.status, 303, alertText(done));
    assert.ok(done.location?.startsWith(REDIRECT_URI));
    const tokens = await redeemCode(config, new URL(done.location!), pending);
    assert.equal(tokens.claims()?.preferred_username, user.upn);
    // The directory now takes the new password.
    assert.equal((await adv.validator.validate(user.upn, newPassword)).outcome, 'ok');
  });

  test('an expired password leads to the change page with its own explanation', async () => {
    const user = adv.ad.users.passwordExpired;
    const page = await attempt(user.upn, user.password);
    assert.equal(page.status, 200);
    assert.match(page.body, /Your password has expired/);
  });

  test('Cancel ends the interaction with access_denied at the relying party', async () => {
    const { session, page } = await signInPage();
    const abort = new URL(formAction(page.body, '/abort'), h.baseUrl).href;
    const back = await session.follow(abort, h.baseUrl, { form: { csrf: hiddenValue(page.body, 'csrf') } });
    assert.ok(back.location?.startsWith(REDIRECT_URI));
    assert.equal(new URL(back.location!).searchParams.get('error'), 'access_denied');
  });
});

describe('bad input', () => {
  async function post(form: Record<string, string> | string, options: { csrf?: string } = {}) {
    const { session, page } = await signInPage();
    const action = new URL(formAction(page.body, '/login'), h.baseUrl).href;
    const csrf = options.csrf ?? hiddenValue(page.body, 'csrf');
    if (typeof form === 'string') return session.request(action, { body: `csrf=${encodeURIComponent(csrf)}&${form}` });
    return session.request(action, { form: { csrf, ...form } });
  }

  test('missing fields: 400 with a clear message, never a directory call', async () => {
    const before = verifierCalls;
    const noUser = await post({ password: 'x' });
    assert.equal(noUser.status, 400);
    assert.ok(alertText(noUser).includes('Enter your username'));
    const noPassword = await post({ username: adv.ad.users.normal.upn });
    assert.equal(noPassword.status, 400);
    assert.ok(alertText(noPassword).includes('Enter your password'));
    const empty = await post({ username: adv.ad.users.normal.upn, password: '' });
    assert.equal(empty.status, 400);
    const notUpn = await post({ username: 'alice', password: 'x' });
    assert.equal(notUpn.status, 400);
    assert.ok(alertText(notUpn).includes('name@example.com'));
    assert.equal(verifierCalls, before);
  });

  test('oversized fields: 400 page; an oversized body: 413 page; never a 500', async () => {
    const longUser = await post({ username: `${'a'.repeat(300)}@corp.example.test`, password: 'x' });
    assert.equal(longUser.status, 400);
    assert.ok(alertText(longUser).includes('too long'));
    const longPassword = await post({ username: adv.ad.users.normal.upn, password: 'p'.repeat(257) });
    assert.equal(longPassword.status, 400);
    const huge = await post({ username: adv.ad.users.normal.upn, password: 'p'.repeat(64 * 1024) });
    assert.equal(huge.status, 413);
    assert.match(huge.headers.get('content-type') ?? '', /text\/html/);
    assert.match(huge.body, /too long/);
  });

  test('odd Unicode and control characters: 400 page, never a 500', async () => {
    const cases = [
      'username=a%00b%40corp.example.test&password=x',
      `username=${encodeURIComponent(adv.ad.users.normal.upn)}&password=a%01b`,
      'username=%ED%A0%80%40corp.example.test&password=x',
      'username=%FF%FE%40corp.example.test&password=x',
      'username=a%40corp.example.test&username=b%40corp.example.test&password=x',
      'username=%E2%80%AE%40corp.example.test&password=%F0%9F%94%91',
      'username=%zz&password=%',
    ];
    for (const body of cases) {
      const page = await post(body);
      assert.ok(page.status < 500, `${body}: ${page.status}`);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/, body);
      assert.doesNotMatch(page.body, /at [\w.]+ \(|stack/i, body);
    }
    const nul = await post('username=a%00b%40corp.example.test&password=x');
    assert.equal(nul.status, 400);
    assert.ok(alertText(nul).includes('not allowed'));
  });

  test('a wrong or missing CSRF token is refused with 403 and reaches no directory', async () => {
    const before = verifierCalls;
    const user = adv.ad.users.normal;
    const wrong = await post({ username: user.upn, password: user.password }, { csrf: 'A'.repeat(43) });
    assert.equal(wrong.status, 403);
    assert.match(wrong.body, /not sent from the sign-in page/);
    const missing = await post(`username=${encodeURIComponent(user.upn)}&password=x`, { csrf: '' });
    assert.equal(missing.status, 403);
    // A token from another interaction does not fit this one.
    const other = await signInPage();
    const foreignToken = hiddenValue(other.page.body, 'csrf');
    const crossed = await post({ username: user.upn, password: user.password }, { csrf: foreignToken });
    assert.equal(crossed.status, 403);
    assert.equal(verifierCalls, before);
  });

  test('an unknown or mismatched interaction and an unknown tenant get clear pages', async () => {
    const fresh = new HttpSession(h.fetch);
    const unknown = await fresh.request(`${h.baseUrl}/signin/acme/not-an-interaction`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /expired or is not valid/);
    const post = await fresh.request(`${h.baseUrl}/signin/acme/not-an-interaction/login`, {
      form: { csrf: 'x', username: 'a@corp.example.test', password: 'x' },
    });
    assert.equal(post.status, 400);
    // A real interaction cookie, but another uid in the URL.
    const { session } = await signInPage();
    const mismatched = await session.request(`${h.baseUrl}/signin/acme/someone-elses-uid`);
    assert.equal(mismatched.status, 400);
    const noTenant = await fresh.request(`${h.baseUrl}/signin/nope/abc`);
    assert.equal(noTenant.status, 404);
    const noIssuer = await fresh.request(`${h.baseUrl}/t/nope/.well-known/openid-configuration`);
    assert.equal(noIssuer.status, 404);
  });

  test('unusual content types and shapes never give a 500', async () => {
    const { session, page } = await signInPage();
    const base = new URL(formAction(page.body, '/login'), h.baseUrl).href.replace(/\/login$/, '');
    const csrf = hiddenValue(page.body, 'csrf');
    // Sent with the interaction's cookies, so the requests get past the interaction check to the body.
    const send = (path: string, body: string, type: string) =>
      session.request(`${base}${path}`, { body, contentType: type });
    for (const path of ['/login', '/change-password', '/consent', '/abort']) {
      for (const [body, type] of [
        [
          JSON.stringify({ csrf: path === '/abort' ? 'x' : csrf, username: ['a'], password: { x: 1 } }),
          'application/json',
        ],
        ['{not json', 'application/json'],
        ['username=a&password=b', 'text/plain'],
        [`csrf=${csrf}&csrf=${csrf}`, 'application/x-www-form-urlencoded'],
        ['', 'application/x-www-form-urlencoded'],
      ] as const) {
        const response = await send(path, body, type);
        assert.ok(response.status < 500, `${path} ${type} ${body}: ${response.status}`);
        const where = `${path} ${type} ${body}: ${response.status}`;
        // A form for a step that is not pending redirects to the interaction; everything else is a page.
        if (response.status !== 303) assert.match(response.headers.get('content-type') ?? '', /text\/html/, where);
      }
    }
    // The session's own (cookie-bound) interaction is still usable afterwards.
    const ok = await submitSignIn(h, session, page, adv.ad.users.normal.upn, adv.ad.users.normal.password);
    assert.equal(ok.status, 303);
  });

  test('user text is escaped where it is echoed back', async () => {
    const page = await post({ username: '<img src=x onerror=alert(1)>@corp.example.test', password: 'x' });
    assert.ok(!page.body.includes('<img src=x'));
    assert.ok(page.body.includes('&lt;img src=x onerror=alert(1)&gt;@corp.example.test'));
  });
});

describe('metrics and logs', () => {
  test('openpta_signins_total{outcome} and the latency histogram count attempts; each attempt is logged', async () => {
    const text = await h.cloud.metrics.registry.metrics();
    assert.match(text, /openpta_signins_total\{outcome="invalid_credentials"\} \d+/);
    assert.match(text, /openpta_signins_total\{outcome="ok"\} \d+/);
    assert.match(text, /openpta_signins_total\{outcome="account_disabled"\} \d+/);
    assert.match(text, /openpta_signin_duration_seconds_bucket\{le="[\d.]+",outcome="ok"\} \d+/);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'sign_in');
    const disabled = lines.find((l) => l.outcome === 'account_disabled');
    assert.ok(disabled);
    assert.equal(disabled.username, adv.ad.users.disabled.upn);
    assert.equal(disabled.tenant, 'acme');
    assert.match(String(disabled.correlationId), /^[0-9a-f-]{36}$/);
    assert.equal(typeof disabled.elapsedMs, 'number');
    assert.equal(disabled.password, undefined);
  });
});

describe('infrastructure failures and rate limits', () => {
  test('an unreachable directory says so, with a correlation id, never "wrong password"', async () => {
    const down = await unreachableVerifier();
    const h2 = await startHarness({ verifier: down.verifier });
    try {
      const { clientId, clientSecret } = await h2.createClient();
      const c2 = await discoverRp(h2, clientId, clientSecret);
      const session = new HttpSession(h2.fetch);
      const page = await openSignIn(h2, session, (await authorizationRequest(c2)).url);
      const result = await submitSignIn(h2, session, page, adv.ad.users.normal.upn, adv.ad.users.normal.password);
      assert.equal(result.status, 503);
      assert.ok(alertText(result).includes(UNREACHABLE));
      assert.ok(!result.body.includes(WRONG));
      const reference = /Reference: <code>([0-9a-f-]{36})<\/code>/.exec(result.body)?.[1];
      assert.ok(reference);
      const logged = h2.logs.map((l) => JSON.parse(l)).find((l) => l.correlationId === reference);
      assert.equal(logged?.outcome, 'directory_unavailable');
    } finally {
      await h2.close();
      await down.close();
    }
  });

  test('a verifier that never answers: the page says so at the deadline (directory_timeout), never a hang', async () => {
    const hanging: CredentialVerifier = {
      verifyPassword: () => new Promise(() => {}),
      changePassword: () => new Promise(() => {}),
    };
    const h6 = await startHarness({ verifier: hanging, oidc: { verifyTimeoutMs: 300 } });
    try {
      const { clientId, clientSecret } = await h6.createClient();
      const c6 = await discoverRp(h6, clientId, clientSecret);
      const session = new HttpSession(h6.fetch);
      const page = await openSignIn(h6, session, (await authorizationRequest(c6)).url);
      const result = await submitSignIn(h6, session, page, adv.ad.users.normal.upn, 'Any-Pass-1');
      assert.equal(result.status, 503);
      assert.ok(alertText(result).includes(UNREACHABLE));
      const logged = h6.logs.map((l) => JSON.parse(l)).find((l) => l.event === 'sign_in');
      assert.equal(logged?.outcome, 'directory_timeout');
    } finally {
      await h6.close();
    }
  });

  test('per-address limit: 429 with Retry-After', async () => {
    const h3 = await startHarness({
      verifier: adv.verifier,
      oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 2, durationSeconds: 60 } } }) },
    });
    try {
      const { clientId, clientSecret } = await h3.createClient();
      const c3 = await discoverRp(h3, clientId, clientSecret);
      const session = new HttpSession(h3.fetch);
      const page = await openSignIn(h3, session, (await authorizationRequest(c3)).url);
      const statuses: number[] = [];
      let last: PageResponse | undefined;
      for (let i = 0; i < 3; i++) {
        last = await submitSignIn(h3, session, page, adv.ad.users.normal.upn, adv.ad.wrongPassword);
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.match(last?.headers.get('retry-after') ?? '', /^\d+$/);
      assert.match(last?.body ?? '', /Too many sign-in attempts/);
      assert.match(await h3.cloud.metrics.registry.metrics(), /openpta_signins_total\{outcome="rate_limited"\} 1\b/);
    } finally {
      await h3.close();
    }
  });

  test('per-username limit (smart lockout): 429 with Retry-After before the directory is asked again', async () => {
    let calls = 0;
    const h4 = await startHarness({
      verifier: {
        changePassword: (r) => adv.verifier.changePassword(r),
        verifyPassword: (r) => {
          calls++;
          return adv.verifier.verifyPassword(r);
        },
      },
      tenantSettings: { protection: { lockout: { threshold: 2 } } },
      oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 1000, durationSeconds: 60 } } }) },
    });
    try {
      const { clientId, clientSecret } = await h4.createClient();
      const c4 = await discoverRp(h4, clientId, clientSecret);
      const session = new HttpSession(h4.fetch);
      const page = await openSignIn(h4, session, (await authorizationRequest(c4)).url);
      const user = adv.ad.users.altLogin;
      const first = await submitSignIn(h4, session, page, user.upn, 'Wrong-One-1');
      assert.equal(first.status, 200);
      const second = await submitSignIn(h4, session, page, user.upn, 'Wrong-Two-2');
      const third = await submitSignIn(h4, session, page, user.upn, user.password);
      assert.equal(third.status, 429);
      assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
      assert.ok(second.status === 200 || second.status === 429);
      assert.equal(calls, 2, 'the locked attempt never reached the directory');
      // Counted as the cloud's lockout, never as Active Directory's account_locked.
      const metrics = await h4.cloud.metrics.registry.metrics();
      assert.match(metrics, /openpta_signins_total\{outcome="locked_out"\} \d+/);
      assert.doesNotMatch(metrics, /openpta_signins_total\{outcome="account_locked"\}/);
    } finally {
      await h4.close();
    }
  });

  test('wrong current passwords on the change page count toward the username lockout', async () => {
    const h5 = await startHarness({
      verifier: adv.verifier,
      tenantSettings: { protection: { lockout: { threshold: 2 } } },
      oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 1000, durationSeconds: 60 } } }) },
    });
    try {
      const user = await adv.ad.createUser({ state: 'mustChange', prefix: 'mclk' });
      const { clientId, clientSecret } = await h5.createClient();
      const c5 = await discoverRp(h5, clientId, clientSecret);
      const session = new HttpSession(h5.fetch);
      const page = await openSignIn(h5, session, (await authorizationRequest(c5)).url);
      const change = await submitSignIn(h5, session, page, user.upn, user.password);
      assert.match(change.body, /Change your password/);
      const action = new URL(formAction(change.body, '/change-password'), h5.baseUrl).href;
      const csrf = hiddenValue(change.body, 'csrf');
      const statuses: number[] = [];
      for (const current of ['Wrong-Current-1', 'Wrong-Current-2', user.password]) {
        const r = await session.request(action, {
          form: {
            csrf,
            currentPassword: current,
            newPassword: 'Brand-New-Pass-9',
            confirmPassword: 'Brand-New-Pass-9',
          },
        });
        statuses.push(r.status);
      }
      assert.deepEqual(statuses.slice(0, 1), [200]);
      assert.equal(statuses[2], 429, `statuses ${statuses.join(',')}`);
      // The directory never saw the change after the lockout: the old password still works there.
      assert.equal((await adv.validator.validate(user.upn, user.password)).outcome, 'password_must_change');
    } finally {
      await h5.close();
    }
  });
});
