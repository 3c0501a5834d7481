/**
 * Every sign-in outcome through the whole product: the real sign-in page (HTTP form posts, and a full run in headless
 * Chromium) -> the cloud (OIDC provider, sign-in plugin) -> the agent channel verifier (sealed envelope, per-tenant
 * queue) -> a real agent runtime (`openpta agent run`'s) over a mutual-TLS WebSocket -> the Samba AD test bed.
 *
 * - ok completes code -> token with openid-client and checks the ID token (sub stable across sign-ins, groups with
 *   the groups scope, nested ones included);
 * - wrong password and unknown user: the form again, "incorrect";
 * - disabled, expired, locked, logon hours: their page (403) with a reference;
 * - password expired and must change: the change page, a change through the channel to AD, then signed in;
 * - infrastructure: a DC that is down (a private DC, stopped) and a DC that does not answer in time (trial directory
 *   latency): "could not reach your organisation's directory" (503) with the correlation id, never "wrong password".
 *
 * Users whose state a test changes are fresh (createUser()).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  type AdTestbed,
  adTestbed,
  effectiveGroups,
  type PrivateTestbed,
  startPrivateTestbed,
  type TestbedUser,
} from '../../../scripts/testbed/index.ts';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { DIRECTORY_UNREACHABLE_MESSAGE, escapeHtml, WRONG_CREDENTIALS_MESSAGE } from '../src/sign-in/index.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { formAction, HttpSession, hiddenValue, type PageResponse } from './support/http-session.ts';
import { REDIRECT_URI } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, submitSignIn } from './support/oidc-rp.ts';

const WRONG = escapeHtml(WRONG_CREDENTIALS_MESSAGE);
const UNREACHABLE = escapeHtml(DIRECTORY_UNREACHABLE_MESSAGE);
const SCOPE = 'openid profile email groups';

/** One cloud + agent stack and an openid-client relying party for it. */
interface Rp {
  readonly stack: DemoStack;
  readonly h: { fetch: typeof undiciFetch; baseUrl: string; tenant: DemoStack['tenant'] };
  readonly config: oidc.Configuration;
  readonly logs: string[];
  readonly dataDir: string;
  close(): Promise<void>;
}

async function startRp(
  name: string,
  options: Omit<Parameters<typeof startDemoStack>[0], 'dataDir'>,
  redirectUris: string[] = [REDIRECT_URI],
): Promise<Rp> {
  const dataDir = mkdtempSync(join(tmpdir(), `openpta-ad-outcomes-${name}-`));
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const stack = await startDemoStack({
    dataDir,
    port: 0,
    rpPort: 0,
    agentHealthPort: false,
    logger: createLogger('info', destination),
    ...options,
  });
  await stack.agent.client.whenConnected();
  const dispatcher = new Agent({ connect: { ca: readFileSync(stack.caFile, 'utf8') } });
  const fetchWithCa = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
    undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch;
  const { client } = await stack.cloud.ctx.services.clients.create({
    tenantId: stack.tenant.id,
    name: `${name} rp`,
    redirectUris,
    public: true,
  });
  const h = { fetch: fetchWithCa, baseUrl: stack.cloud.ctx.config.publicUrl, tenant: stack.tenant };
  const config = await discoverRp(h as never, client.clientId, undefined, oidc.None());
  return {
    stack,
    h,
    config,
    logs,
    dataDir,
    async close() {
      await stack.close();
      await dispatcher.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the sign-in page of a new authorization request and posts the form. */
async function postSignIn(rp: Rp, username: string, password: string) {
  const session = new HttpSession(rp.h.fetch);
  const pending = await authorizationRequest(rp.config, { scope: SCOPE });
  const page = await openSignIn(rp.h as never, session, pending.url);
  assert.equal(page.status, 200, page.body.slice(0, 300));
  const answer = await submitSignIn(rp.h as never, session, page, username, password);
  return { session, pending, page, answer };
}

async function redeem(rp: Rp, location: string | undefined, pending: Awaited<ReturnType<typeof authorizationRequest>>) {
  if (location === undefined || !location.startsWith(REDIRECT_URI))
    assert.fail(`expected the redirect back to the app, got ${location}`);
  const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(location), {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  const claims = tokens.claims();
  assert.ok(claims);
  return claims;
}

function alertText(page: PageResponse): string {
  return /<div class="alert" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
}

/** The infrastructure page: 503, "could not reach", a reference (correlation id), never "incorrect". */
function assertUnreachablePage(page: PageResponse): void {
  assert.equal(page.status, 503, alertText(page));
  assert.ok(alertText(page).includes(UNREACHABLE), alertText(page));
  assert.match(alertText(page), /Reference: <code>[0-9a-f-]{36}<\/code>/);
  assert.ok(!page.body.includes(WRONG), 'an infrastructure failure is never a wrong password');
}

describe('every outcome from the sign-in page through a real agent to AD', () => {
  let tb: AdTestbed;
  let rp: Rp;
  let dataDir: string;
  before(async () => {
    tb = await adTestbed();
    dataDir = mkdtempSync(join(tmpdir(), 'openpta-ad-outcomes-svc-'));
    const svcFile = join(dataDir, 'service-password');
    writeFileSync(svcFile, tb.users.service.password, { mode: 0o600 });
    rp = await startRp('main', {
      directory: { ldapsUrl: tb.ldapsUrl, caPem: tb.caPem, servername: tb.servername, baseDn: tb.baseDn },
      agentDirectoryOverrides: { serviceAccount: { bindDn: tb.users.service.upn, passwordFile: svcFile } },
    });
  });
  after(async () => {
    await rp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('ok: code -> token; the ID token names the user, sub is stable, groups come with the groups scope', async () => {
    const user = await tb.createUser({ prefix: 'e2eok', groups: ['Engineering'] });
    const first = await postSignIn(rp, user.upn, user.password);
    assert.equal(first.answer.status, 303, alertText(first.answer));
    const claims = await redeem(rp, first.answer.location, first.pending);
    assert.equal(claims.preferred_username, user.upn);
    assert.match(claims.sub, /^[0-9a-f-]{36}$/);
    assert.notEqual(claims.sub, user.upn);
    assert.deepEqual([...(claims.groups as string[])].sort(), effectiveGroups(user).sort());
    assert.ok((claims.groups as string[]).includes('All Staff'), 'nested group expanded');
    const second = await postSignIn(rp, user.upn, user.password);
    const again = await redeem(rp, second.answer.location, second.pending);
    assert.equal(again.sub, claims.sub, 'sub is stable across sign-ins');
    // The answer came from the agent over the channel.
    assert.ok(
      rp.logs.some((l) => l.includes('"event":"sign_in"') && l.includes(rp.stack.agent.client.identity!.agentId)),
    );
  });

  test('wrong password and unknown user: the form again with "incorrect", the interaction stays open', async () => {
    const user = await tb.createUser({ prefix: 'e2ewr' });
    const wrong = await postSignIn(rp, user.upn, tb.wrongPassword);
    assert.equal(wrong.answer.status, 200);
    assert.ok(alertText(wrong.answer).includes(WRONG));
    const unknown = await postSignIn(rp, tb.unknownUpn, tb.wrongPassword);
    assert.equal(unknown.answer.status, 200);
    assert.equal(alertText(unknown.answer), alertText(wrong.answer));
    // The same interaction then completes with the right password.
    const right = await submitSignIn(rp.h as never, wrong.session, wrong.answer, user.upn, user.password);
    assert.equal(right.status, 303);
    await redeem(rp, right.location, wrong.pending);
  });

  for (const [state, title] of [
    ['disabled', 'Account disabled'],
    ['accountExpired', 'Account expired'],
    ['locked', 'Account locked'],
    ['logonHours', 'Sign-in not allowed now'],
  ] as const) {
    test(`${state}: the page says "${title}" (403, with a reference)`, async () => {
      const user = await tb.createUser({ prefix: 'e2es', state });
      const { answer } = await postSignIn(rp, user.upn, user.password);
      assert.equal(answer.status, 403, alertText(answer));
      assert.match(answer.body, new RegExp(`<h1 id="title">${title}</h1>`));
      assert.match(alertText(answer), /Reference: <code>[0-9a-f-]{36}<\/code>/);
      assert.ok(!answer.location?.startsWith(REDIRECT_URI));
    });
  }

  for (const state of ['passwordExpired', 'mustChange'] as const) {
    test(`${state}: change-password page, the change goes through the agent to AD, then signed in`, async () => {
      const user = await tb.createUser({ prefix: 'e2ec', state });
      const { session, pending, answer: change } = await postSignIn(rp, user.upn, user.password);
      assert.equal(change.status, 200, alertText(change));
      assert.match(change.body, /<h1 id="title">Change your password<\/h1>/);
      const action = new URL(formAction(change.body, '/change-password'), rp.h.baseUrl).href;
      const newPassword = `N3w-${user.password}-z`;
      const done = await session.follow(action, rp.h.baseUrl, {
        form: {
          csrf: hiddenValue(change.body, 'csrf'),
          currentPassword: user.password,
          newPassword,
          confirmPassword: newPassword,
        },
      });
      assert.equal(done.status, 303, alertText(done));
      const claims = await redeem(rp, done.location, pending);
      assert.equal(claims.preferred_username, user.upn);
      // AD now takes the new password (a sign-in through the page again).
      const next = await postSignIn(rp, user.upn, newPassword);
      assert.equal(next.answer.status, 303, alertText(next.answer));
      assert.ok(!rp.logs.join('').includes(newPassword), 'the new password is never logged');
    });
  }

  test('no password reaches the logs', () => {
    assert.ok(rp.logs.length > 0);
    const all = rp.logs.join('');
    assert.ok(!all.includes(tb.wrongPassword));
    for (const user of Object.values(tb.users) as TestbedUser[]) {
      if (user.password.length >= 8) assert.ok(!all.includes(user.password), user.upn);
    }
  });

  describe('in headless Chromium', () => {
    let browser: TestBrowser;
    let browserRp: Rp;
    let svcDir: string;
    before(async () => {
      browser = await launchBrowser();
      svcDir = mkdtempSync(join(tmpdir(), 'openpta-ad-outcomes-bsvc-'));
      const svcFile = join(svcDir, 'service-password');
      writeFileSync(svcFile, tb.users.service.password, { mode: 0o600 });
      browserRp = await startRp(
        'browser',
        {
          directory: { ldapsUrl: tb.ldapsUrl, caPem: tb.caPem, servername: tb.servername, baseDn: tb.baseDn },
          agentDirectoryOverrides: { serviceAccount: { bindDn: tb.users.service.upn, passwordFile: svcFile } },
        },
        [`${browser.rpOrigin}/callback`],
      );
    });
    after(async () => {
      await browser?.close();
      await browserRp?.close();
      if (svcDir) rmSync(svcDir, { recursive: true, force: true });
    });

    async function open(): Promise<{ page: Page; pending: Awaited<ReturnType<typeof authorizationRequest>> }> {
      const pending = await authorizationRequest(browserRp.config, {
        scope: SCOPE,
        redirectUri: `${browser.rpOrigin}/callback`,
      });
      await browser.context.clearCookies();
      const page = await browser.context.newPage();
      await page.goto(pending.url.href);
      return { page, pending };
    }

    async function submit(page: Page, selector: string, fields: Record<string, string>): Promise<void> {
      for (const [name, value] of Object.entries(fields)) await page.fill(`input[name="${name}"]`, value);
      const before = page.url();
      await Promise.all([page.waitForURL((url) => url.href !== before, { waitUntil: 'load' }), page.click(selector)]);
    }

    test('a wrong password, then the right one, ends at the relying party with the ID token', async () => {
      const user = await tb.createUser({ prefix: 'e2ebr', groups: ['VPN Users'] });
      const { page, pending } = await open();
      await submit(page, 'button[type="submit"]', { username: user.upn, password: tb.wrongPassword });
      assert.match((await page.getByRole('alert').textContent()) ?? '', /username or password is incorrect/);
      await submit(page, 'button[type="submit"]', { username: user.upn, password: user.password });
      assert.ok(page.url().startsWith(`${browser.rpOrigin}/callback`), page.url());
      const tokens = await oidc.authorizationCodeGrant(browserRp.config, new URL(page.url()), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      const claims = tokens.claims();
      assert.equal(claims?.preferred_username, user.upn);
      assert.deepEqual(claims?.groups, ['VPN Users']);
      await page.close();
    });

    test('must change: the change page in the browser, then at the relying party', async () => {
      const user = await tb.createUser({ prefix: 'e2ebc', state: 'mustChange' });
      const { page } = await open();
      await submit(page, 'button[type="submit"]', { username: user.upn, password: user.password });
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Change your password');
      const newPassword = `N3w-${user.password}-b`;
      await submit(page, 'button[type="submit"]', {
        currentPassword: user.password,
        newPassword,
        confirmPassword: newPassword,
      });
      assert.ok(page.url().startsWith(`${browser.rpOrigin}/callback`), page.url());
      await page.close();
    });
  });
});

describe('infrastructure failures through the agent: "could not reach", never "wrong password"', () => {
  test('the DC is down (a private DC, stopped): 503 page with a reference', async () => {
    const dc: PrivateTestbed = await startPrivateTestbed();
    let rp: Rp | undefined;
    try {
      rp = await startRp('dcdown', {
        directory: { ldapsUrl: dc.ldapsUrl, caPem: dc.caPem, servername: dc.servername, baseDn: dc.baseDn },
        agentDirectoryOverrides: { timeouts: { connectMs: 2000, operationMs: 3000, overallMs: 5000 } },
      });
      const user = dc.users.normal;
      const up = await postSignIn(rp, user.upn, user.password);
      assert.equal(up.answer.status, 303, 'the DC answers before it is stopped');
      await dc.stop();
      const down = await postSignIn(rp, user.upn, user.password);
      assertUnreachablePage(down.answer);
      const wrong = await postSignIn(rp, user.upn, dc.wrongPassword);
      assertUnreachablePage(wrong.answer);
      assert.ok(rp.logs.some((l) => l.includes('"outcome":"directory_unavailable"')));
    } finally {
      await rp?.close();
      await dc.stop();
    }
  });

  test('the DC does not answer in time (trial directory latency): 503 page with a reference', async () => {
    const rp = await startRp('dctimeout', {
      agentDirectoryOverrides: { timeouts: { connectMs: 1000, operationMs: 1000, overallMs: 1500 } },
    });
    try {
      const directory = rp.stack.directory;
      assert.ok(directory);
      const ok = await postSignIn(rp, 'alice@corp.example.test', 'Alice-Pass-1');
      assert.equal(ok.answer.status, 303);
      directory.faults.setLatency(4000, ['bind']);
      const slow = await postSignIn(rp, 'alice@corp.example.test', 'Alice-Pass-1');
      directory.faults.reset();
      assertUnreachablePage(slow.answer);
      assert.ok(rp.logs.some((l) => l.includes('"outcome":"directory_timeout"')));
    } finally {
      await rp.close();
    }
  });
});
