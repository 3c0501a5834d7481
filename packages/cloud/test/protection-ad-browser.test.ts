/**
 * Issue 6 "Done when", where the user sees it: headless Chromium on the real sign-in pages of a cloud whose credential
 * verifier is the agent channel, with one `openpta agent` runtime connected over mutual TLS and validating with LDAPS
 * binds against the Samba AD test bed (lockout threshold 20; the tenant's cloud threshold is 5).
 *
 * - the cloud locks a sprayed user before AD does; AD's badPwdCount shows only the attempts the cloud let through,
 *   the account is not locked in AD, the locked page says when to try again, and the right password works after;
 * - the same wrong password counts once;
 * - a familiar network still signs in while another network attacks (the attacker's HTTP client binds the loopback
 *   source address 127.0.1.66, another /24 than the browser's 127.0.0.1: the cloud uses the socket address,
 *   fastify's trustProxy is off);
 * - TOTP set-up, sign-in, replay refused, a recovery code (once), for a user the group policy ("VPN Users") covers;
 * - sign-in log rows for each case (outcome, what the user saw, which agent and DC, timings) and no secret in any
 *   row, audit event or process log line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import * as oidc from 'openid-client';
import { Secret } from 'otpauth';
import type { Page, Response } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { type AdTestbed, adTestbed, type TestbedUser } from '../../../scripts/testbed/index.ts';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { totpCodeAt } from '../src/mfa/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { type SignInLogRecord, SignInLogStore } from '../src/sign-in-log/index.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { HttpSession } from './support/http-session.ts';
import { authorizationRequest, discoverRp, openSignIn, submitSignIn } from './support/oidc-rp.ts';

const LOCK_SECONDS = 3;
const ATTACKER_IP = '127.0.1.66';

let ad: AdTestbed;
let stack: DemoStack;
let dataDir: string;
let browser: TestBrowser;
let config: oidc.Configuration;
let redirectUri: string;
let dispatcher: Agent;
let attackerDispatcher: Agent;
let agentId: string;
const logs: string[] = [];
/** Every secret a user typed or was shown: none may appear in any log row or line. */
const canaries = new Set<string>();

type H = Parameters<typeof discoverRp>[0];
let h: H;

before(async () => {
  ad = await adTestbed();
  dataDir = mkdtempSync(join(tmpdir(), 'openpta-protection-e2e-'));
  const svcFile = join(dataDir, 'service-password');
  writeFileSync(svcFile, ad.users.service.password, { mode: 0o600 });
  stack = await startDemoStack({
    dataDir,
    port: 0,
    rpPort: 0,
    agentHealthPort: 0,
    logger: createLogger(
      'debug',
      new Writable({
        write(chunk, _encoding, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    ),
    directory: { ldapsUrl: ad.ldapsUrl, caPem: ad.caPem, servername: ad.servername, baseDn: ad.baseDn },
    agentDirectoryOverrides: { serviceAccount: { bindDn: ad.users.service.upn, passwordFile: svcFile } },
    // The per-address budget is tested elsewhere; here one browser makes many attempts in a minute.
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
  await stack.agent.client.whenConnected();
  agentId = stack.agent.client.identity!.agentId;
  await stack.cloud.ctx.services.tenants.updateSettings(stack.tenant.name, {
    protection: {
      lockout: { threshold: 5, durationSeconds: LOCK_SECONDS, maxDurationSeconds: LOCK_SECONDS },
      mfa: { mode: 'groups', groups: ['VPN Users'] },
    },
  });
  const caPem = readFileSync(stack.caFile, 'utf8');
  dispatcher = new Agent({ connect: { ca: caPem } });
  attackerDispatcher = new Agent({ connect: { ca: caPem }, localAddress: ATTACKER_IP });
  browser = await launchBrowser({ trustCaPem: caPem });
  redirectUri = `${browser.rpOrigin}/callback`;
  const tenant = (await stack.cloud.ctx.services.tenants.getByName(stack.tenant.name))!;
  const { client, clientSecret } = await stack.cloud.ctx.services.clients.create({
    tenantId: tenant.id,
    name: 'protection e2e',
    redirectUris: [redirectUri],
    public: false,
  });
  h = {
    fetch: ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
      undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch,
    baseUrl: stack.cloud.ctx.config.publicUrl,
    tenant,
  } as unknown as H;
  config = await discoverRp(h, client.clientId, clientSecret);
});

after(async () => {
  await browser?.close();
  await stack?.close();
  await dispatcher?.close();
  await attackerDispatcher?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---- browser steps ------------------------------------------------------------------------------------------------

type Pending = Awaited<ReturnType<typeof authorizationRequest>>;

async function open(): Promise<{ page: Page; pending: Pending }> {
  const pending = await authorizationRequest(config, { redirectUri });
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto(pending.url.href);
  return { page, pending };
}

/** Submits a form and waits for the next document (form posts answer on the same URL). */
async function submit(page: Page, click: string): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(click)]);
  return response;
}

async function password(page: Page, upn: string, pw: string): Promise<Response | null> {
  canaries.add(pw);
  await page.fill('input[name="username"]', upn);
  await page.fill('input[name="password"]', pw);
  return submit(page, 'button[type="submit"]:text("Sign in")');
}

async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').textContent()) ?? '').trim();
}

async function alert(page: Page): Promise<string> {
  return ((await page.locator('[role="alert"]').textContent()) ?? '').trim();
}

async function amrAtRp(pending: Pending): Promise<unknown> {
  const last = browser.rpRequests.filter((u) => u.startsWith(redirectUri)).at(-1) ?? '';
  const tokens = await oidc.authorizationCodeGrant(config, new URL(last), {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  return tokens.claims()?.amr;
}

function atRp(page: Page): boolean {
  return page.url().startsWith(redirectUri);
}

// ---- directory and log reads --------------------------------------------------------------------------------------

/** Reads the account's lockout state on the DC itself (as the domain administrator). */
async function adLockState(user: TestbedUser): Promise<{ badPwdCount: number; lockoutTime: number }> {
  const client = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions, timeout: 5000, connectTimeout: 5000 });
  try {
    await client.bind(ad.admin.upn, ad.admin.password);
    const { searchEntries } = await client.search(user.dn, {
      scope: 'base',
      attributes: ['badPwdCount', 'lockoutTime'],
    });
    const entry = searchEntries[0]!;
    return { badPwdCount: Number(entry.badPwdCount ?? 0), lockoutTime: Number(entry.lockoutTime ?? 0) };
  } finally {
    await client.unbind();
  }
}

/** The user's sign-in log, oldest first. */
async function rowsOf(upn: string): Promise<SignInLogRecord[]> {
  const page = await new SignInLogStore(stack.cloud.ctx.store.db).query({
    tenantId: stack.tenant.id,
    user: upn,
    limit: 100,
  });
  return page.records.reverse();
}

/** A row the agent answered: which agent, which DC, and the timings of queue, agent and directory. */
function assertServedByAgent(row: SignInLogRecord, what: string): void {
  assert.equal(row.agentId, agentId, `${what}: agent`);
  assert.ok(row.dc?.includes(ad.host), `${what}: dc ${row.dc} is the test bed DC ${ad.host}`);
  assert.equal(typeof row.timings.totalMs, 'number', `${what}: total`);
  assert.equal(typeof row.timings.agentMs, 'number', `${what}: agent time`);
  assert.equal(typeof row.timings.queueMs, 'number', `${what}: queue time`);
  assert.equal(typeof row.timings.directoryMs, 'number', `${what}: directory time`);
  assert.ok(row.timings.directoryMs! <= row.timings.agentMs! + 1, `${what}: directory within agent`);
}

describe('sign-in protection through the agent channel to AD, in Chromium', () => {
  test('the cloud locks a sprayed user before AD does; the page says when; the right password works after', async () => {
    const user = await ad.createUser({ prefix: 'spray' });
    const { page } = await open();
    let attempts = 0;
    let response: Response | null = null;
    while (attempts < 10) {
      attempts += 1;
      response = await password(page, user.upn, `Spray-${attempts}-wrong`);
      if ((await heading(page)) !== 'Sign in') break;
      assert.match(await alert(page), /username or password is incorrect/);
    }
    assert.equal(attempts, 5, 'locked at the cloud threshold');
    assert.equal(response?.status(), 429);
    assert.equal(await heading(page), 'Too many attempts');
    const wait = Number(/Wait (\d+) seconds/.exec(await alert(page))?.[1]);
    assert.ok(wait >= 1 && wait <= LOCK_SECONDS, `retry after ${wait}`);
    assert.equal(response?.headers()['retry-after'], String(wait));

    // While locked even the right password is answered without the agent.
    await page.close();
    const locked = await open();
    const refused = await password(locked.page, user.upn, user.password);
    assert.equal(refused?.status(), 429);
    await locked.page.close();

    // AD saw exactly the five wrong passwords the cloud let through, far below its threshold: not locked there.
    const inAd = await adLockState(user);
    assert.equal(inAd.badPwdCount, 5);
    assert.ok(inAd.badPwdCount < ad.lockoutThreshold);
    assert.equal(inAd.lockoutTime, 0, 'AD did not lock the account');

    await sleep((wait + 1) * 1000);
    const later = await open();
    await password(later.page, user.upn, user.password);
    assert.ok(atRp(later.page), `ended at ${later.page.url()}`);
    assert.deepEqual(await amrAtRp(later.pending), ['pwd'], 'not in the MFA group: password only');
    await later.page.close();
    assert.equal((await adLockState(user)).lockoutTime, 0);

    const rows = await rowsOf(user.upn);
    assert.deepEqual(
      rows.map((r) => `${r.stage}:${r.agentOutcome ?? '-'}:${r.result}`),
      [
        'password:invalid_credentials:invalid_credentials',
        'password:invalid_credentials:invalid_credentials',
        'password:invalid_credentials:invalid_credentials',
        'password:invalid_credentials:invalid_credentials',
        'password:invalid_credentials:locked_out',
        'password:-:locked_out',
        'password:ok:success',
      ],
    );
    for (const [i, r] of rows.slice(0, 5).entries()) assertServedByAgent(r, `attempt ${i + 1}`);
    assertServedByAgent(rows[6]!, 'success');
    assert.equal(rows[5]!.agentId, null, 'the locked attempt never reached an agent');
    assert.equal(rows[6]!.userId !== null, true);
    assert.ok(rows.every((r) => r.ip === '127.0.0.1' && r.userAgent?.includes('Chrome') && r.correlationId));
  });

  test('the same wrong password tried again counts once', async () => {
    const user = await ad.createUser({ prefix: 'same' });
    const { page, pending } = await open();
    for (let i = 0; i < 8; i++) {
      const response = await password(page, user.upn, 'Same-Old-Password-1');
      assert.equal(response?.status(), 200, `attempt ${i + 1}`);
      assert.equal(await heading(page), 'Sign in');
    }
    await password(page, user.upn, user.password);
    assert.ok(atRp(page), `ended at ${page.url()}`);
    assert.deepEqual(await amrAtRp(pending), ['pwd']);
    const rows = await rowsOf(user.upn);
    assert.equal(rows.filter((r) => r.result === 'invalid_credentials').length, 8);
    assert.equal(rows.filter((r) => r.result === 'locked_out').length, 0);
    await page.close();
  });

  test('a familiar network still signs in while another network attacks the same user', async () => {
    const user = await ad.createUser({ prefix: 'famil' });
    // The user's usual place: a first sign-in from the browser (127.0.0.1) makes 127.0.0.0/24 familiar.
    const first = await open();
    await password(first.page, user.upn, user.password);
    assert.ok(atRp(first.page));
    await first.page.close();

    // The attacker, from 127.0.1.66 (another /24), until the cloud locks the unfamiliar counter.
    const attackerFetch = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
      undiciFetch(input, { redirect: 'manual', ...init, dispatcher: attackerDispatcher })) as typeof undiciFetch;
    const attacker = new HttpSession(attackerFetch);
    const attackPage = await openSignIn(
      h as never,
      attacker,
      (await authorizationRequest(config, { redirectUri })).url,
    );
    let status = 0;
    let attempts = 0;
    let page = attackPage;
    while (status !== 429 && attempts < 10) {
      attempts += 1;
      canaries.add(`Attack-${attempts}-pw`);
      const next = await submitSignIn(h as never, attacker, page, user.upn, `Attack-${attempts}-pw`);
      status = next.status;
      if (status === 200) page = next;
    }
    assert.equal(status, 429, 'the attacker is locked out');
    assert.equal(attempts, 5);
    assert.deepEqual(
      [...new Set((await rowsOf(user.upn)).map((r) => r.ip))],
      ['127.0.0.1', ATTACKER_IP],
      'the cloud saw the attacker at its own source address',
    );

    // Meanwhile the user, from the familiar network, signs in.
    const again = await open();
    const response = await password(again.page, user.upn, user.password);
    assert.notEqual(response?.status(), 429);
    assert.ok(atRp(again.page), `ended at ${again.page.url()}`);
    assert.deepEqual(await amrAtRp(again.pending), ['pwd']);
    await again.page.close();

    const rows = await rowsOf(user.upn);
    const attackRows = rows.filter((r) => r.ip === ATTACKER_IP);
    assert.equal(attackRows.length, 5);
    assert.equal(attackRows.at(-1)?.result, 'locked_out');
    assert.deepEqual(
      rows.filter((r) => r.ip === '127.0.0.1').map((r) => r.result),
      ['success', 'success'],
    );
    assert.ok((await adLockState(user)).lockoutTime === 0);
  });

  describe('MFA for the "VPN Users" group (TOTP, replay, recovery code)', () => {
    let user: TestbedUser;
    let secret: Uint8Array;
    let recoveryCodes: string[] = [];
    let enrolCode = '';

    before(async () => {
      user = await ad.createUser({ prefix: 'vpnmfa', groups: ['VPN Users'] });
    });

    test('a group member sets up the authenticator app on first sign-in and gets amr pwd+otp+mfa', async () => {
      const { page, pending } = await open();
      await password(page, user.upn, user.password);
      assert.equal(await heading(page), 'Set up your authenticator app');
      const key = ((await page.locator('#secret').textContent()) ?? '').replaceAll(' ', '');
      canaries.add(key);
      secret = Secret.fromBase32(key).bytes;
      const code = page.getByLabel('Code shown by the app');
      assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
      assert.equal(await code.getAttribute('inputmode'), 'numeric');
      assert.equal(await code.getAttribute('name'), 'otp');
      enrolCode = totpCodeAt(secret, Date.now());
      canaries.add(enrolCode);
      await code.fill(enrolCode);
      await submit(page, 'button:text("Verify and continue")');
      assert.equal(await heading(page), 'Save your recovery codes');
      recoveryCodes = (await page.locator('.codes code').allTextContents()).map((c) => c.trim());
      assert.equal(recoveryCodes.length, 10);
      for (const c of recoveryCodes) canaries.add(c);
      await submit(page, 'button:text("I have saved them, continue")');
      assert.ok(atRp(page), `ended at ${page.url()}`);
      assert.deepEqual(await amrAtRp(pending), ['pwd', 'otp', 'mfa']);
      await page.close();
    });

    test('next sign-in: the used code is refused as a replay, the next one is accepted', async () => {
      const { page, pending } = await open();
      await password(page, user.upn, user.password);
      assert.equal(await heading(page), 'Verify it is you');
      await page.getByLabel('Code from your authenticator app').fill(enrolCode);
      await submit(page, 'button:text("Verify")');
      assert.equal(await heading(page), 'Verify it is you');
      assert.match(await alert(page), /not right/);
      const next = totpCodeAt(secret, Date.now() + 30_000);
      canaries.add(next);
      await page.getByLabel('Code from your authenticator app').fill(next);
      await submit(page, 'button:text("Verify")');
      assert.ok(atRp(page), `ended at ${page.url()}`);
      assert.deepEqual(await amrAtRp(pending), ['pwd', 'otp', 'mfa']);
      await page.close();
    });

    test('a recovery code signs in once; used again it is refused', async () => {
      for (const expectSuccess of [true, false]) {
        const { page, pending } = await open();
        await password(page, user.upn, user.password);
        await submit(page, 'a:text("Use a recovery code instead")');
        await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
        await submit(page, 'button:text("Verify")');
        if (expectSuccess) {
          assert.ok(atRp(page), `ended at ${page.url()}`);
          assert.deepEqual(await amrAtRp(pending), ['pwd', 'otp', 'mfa']);
        } else {
          assert.equal(await heading(page), 'Verify it is you');
          assert.match(await alert(page), /not right/);
        }
        await page.close();
      }
    });

    test('the sign-in log has every password and MFA step, with agent, DC and method', async () => {
      const rows = await rowsOf(user.upn);
      assert.deepEqual(
        rows.map((r) => `${r.stage}:${r.result}:${r.mfaMethod ?? '-'}`),
        [
          'password:mfa_enrolment_required:-',
          'mfa:success:totp',
          'password:mfa_pending:-',
          'mfa:mfa_failed:totp',
          'mfa:success:totp',
          'password:mfa_pending:-',
          'mfa:success:recovery_code',
          'password:mfa_pending:-',
          'mfa:mfa_failed:recovery_code',
        ],
      );
      for (const r of rows.filter((x) => x.stage === 'password')) assertServedByAgent(r, 'password step');
      assert.ok(rows.every((r) => r.userId !== null));
    });
  });

  test('no password, code or secret in any sign-in log row, audit event or process log line', async () => {
    assert.ok(canaries.size > 20, `${canaries.size} canaries`);
    const db = stack.cloud.ctx.store.db;
    const rows = JSON.stringify(await db.selectFrom('sign_in_log').selectAll().execute());
    const audit = JSON.stringify(await db.selectFrom('audit_events').selectAll().execute());
    const lines = logs.join('');
    assert.ok(lines.includes('"event":"sign_in"'), 'the process did log the attempts');
    for (const canary of canaries) {
      assert.ok(!rows.includes(canary), `sign_in_log holds ${canary}`);
      assert.ok(!audit.includes(canary), `audit_events holds ${canary}`);
      assert.ok(!lines.includes(canary), `a log line holds ${canary}`);
    }
  });
});
