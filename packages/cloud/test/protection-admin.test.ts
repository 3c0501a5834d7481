import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCloudApp } from '../src/app.ts';
import { loadCloudConfig } from '../src/config/index.ts';
import { createSecretSeal, MfaService, totpCodeAt } from '../src/mfa/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { lockoutSettingsSchema, SmartLockout } from '../src/protection/index.ts';
import { SignInLogStore } from '../src/sign-in-log/index.ts';
import { runCli } from './helpers/cli-process.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud-fixture.ts';

/** `openpta admin tenant show|set`, `admin signins`, `admin user reset-mfa` as real processes against a real server. */
describe('protection admin CLI and API', () => {
  let t: TestCloud;
  let admin: (...args: string[]) => ReturnType<typeof runCli>;
  let tenantId: string;
  let userId: string;
  const T0 = Date.now();

  before(async () => {
    t = await startTestCloud();
    admin = (...args) => runCli(['admin', '--data-dir', t.dataDir, ...args], { OPENPTA_ADMIN_TOKEN: undefined });
    const created = await t.admin('POST', '/admin/api/v1/tenants', { name: 'contoso', domains: ['contoso.test'] });
    assert.equal(created.status, 201, created.text);
    tenantId = created.json.id;
    const user = await t.cloud.ctx.services.users.upsertFromDirectory(tenantId, {
      objectGuid: '0f0e0d0c-0b0a-0908-0706-050403020100',
      upn: 'alice@contoso.test',
    });
    userId = user.id;
  });
  after(() => t.close());

  test('tenant show prints the documented defaults; tenant set changes them; bad values are refused', async () => {
    const shown = await admin('--json', 'tenant', 'show', '--name', 'contoso');
    assert.equal(shown.code, 0, shown.stderr);
    const before = JSON.parse(shown.stdout);
    assert.equal(before.name, 'contoso');
    assert.deepEqual(before.protection.summary, {
      lockoutThreshold: 5,
      lockoutDuration: '1m',
      lockoutMaxDuration: '1h',
      mfa: 'off',
    });

    const set = await admin(
      'tenant',
      'set',
      '--name',
      'contoso',
      '--lockout-threshold',
      '3',
      '--lockout-duration',
      '2m',
      '--mfa',
      'groups:VPN Users,Admins',
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^lockout threshold: +3$/m);
    assert.match(set.stdout, /^mfa: +groups:VPN Users,Admins$/m);

    const after = JSON.parse((await admin('--json', 'tenant', 'show', '--name', 'contoso')).stdout);
    assert.equal(after.protection.lockout.threshold, 3);
    assert.equal(after.protection.lockout.durationSeconds, 120);
    assert.deepEqual(after.protection.mfa, { mode: 'groups', groups: ['VPN Users', 'Admins'] });
    assert.deepEqual(after.settings.protection.mfa, after.protection.mfa, 'stored in the tenant settings JSON');
    const tenant = await t.cloud.ctx.services.tenants.requireByName('contoso');
    assert.deepEqual((tenant.settings.protection as { mfa: unknown }).mfa, after.protection.mfa);

    const bad = await admin('tenant', 'set', '--name', 'contoso', '--lockout-duration', '0s');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid duration "0s".*HTTP 400/);
    const badMfa = await admin('tenant', 'set', '--name', 'contoso', '--mfa', 'sometimes');
    assert.equal(badMfa.code, 1);
    assert.match(badMfa.stderr, /invalid MFA policy "sometimes": use off, required or groups:G1,G2.*HTTP 400/);
    const nothing = await admin('tenant', 'set', '--name', 'contoso');
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /nothing to change/);

    const audit = JSON.parse((await admin('--json', 'audit')).stdout) as { action: string }[];
    assert.ok(audit.some((e) => e.action === 'tenant.protection.update'));
  });

  test('signins: filters, human and JSON output, cursor paging', async () => {
    const log = new SignInLogStore(t.cloud.ctx.store.db);
    const base = { tenantId, ip: '192.0.2.1', stage: 'password' as const, correlationId: 'c' };
    await log.insert({
      ...base,
      time: T0 - 3 * 86_400_000,
      username: 'alice@contoso.test',
      result: 'success',
      agentOutcome: 'ok',
    });
    await log.insert({ ...base, time: T0 - 3000, username: 'bob@contoso.test', result: 'invalid_credentials' });
    await log.insert({ ...base, time: T0 - 2000, username: 'alice@contoso.test', result: 'locked_out' });
    await log.insert({
      ...base,
      time: T0 - 1000,
      username: 'alice@contoso.test',
      userId,
      result: 'success',
      agentOutcome: 'ok',
      stage: 'mfa',
      mfaMethod: 'totp',
      timings: { totalMs: 42 },
    });

    const all = JSON.parse((await admin('--json', 'signins', '--tenant', 'contoso')).stdout);
    assert.equal(all.signIns.length, 4);
    assert.equal(all.nextCursor, null);
    const alice = JSON.parse(
      (await admin('--json', 'signins', '--tenant', 'contoso', '--user', 'ALICE@contoso.test')).stdout,
    );
    assert.equal(alice.signIns.length, 3);
    const recent = JSON.parse(
      (await admin('--json', 'signins', '--tenant', 'contoso', '--user', 'alice@contoso.test', '--since', '24h'))
        .stdout,
    );
    assert.deepEqual(
      recent.signIns.map((r: { result: string }) => r.result),
      ['success', 'locked_out'],
    );
    const locked = JSON.parse(
      (await admin('--json', 'signins', '--tenant', 'contoso', '--outcome', 'locked_out')).stdout,
    );
    assert.equal(locked.signIns.length, 1);

    const page1 = JSON.parse((await admin('--json', 'signins', '--tenant', 'contoso', '--limit', '3')).stdout);
    assert.equal(page1.signIns.length, 3);
    assert.ok(page1.nextCursor);
    const page2 = JSON.parse(
      (await admin('--json', 'signins', '--tenant', 'contoso', '--limit', '3', '--cursor', page1.nextCursor)).stdout,
    );
    assert.equal(page2.signIns.length, 1);
    assert.equal(page2.nextCursor, null);

    const human = await admin('signins', '--tenant', 'contoso', '--limit', '2');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^time +username +ip +stage +result/m);
    assert.match(human.stdout, /alice@contoso\.test +192\.0\.2\.1 +mfa +success +ok +totp +42/);
    assert.match(human.stdout, /^\(more: --cursor \S+\)$/m);

    const badSince = await admin('signins', '--tenant', 'contoso', '--since', 'yesterday-ish');
    assert.equal(badSince.code, 1);
    assert.match(badSince.stderr, /invalid since.*HTTP 400/);
    const badCursor = await admin('signins', '--tenant', 'contoso', '--cursor', 'x');
    assert.equal(badCursor.code, 1);
    assert.match(badCursor.stderr, /invalid cursor.*HTTP 400/);
  });

  test('user reset-mfa removes the factors, by UPN, and is audited', async () => {
    const mfa = new MfaService({ db: t.cloud.ctx.store.db, seal: createSecretSeal(Buffer.alloc(32, 7)) });
    const ref = { tenantId, userId };
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'alice@contoso.test' });
    assert.ok((await mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, Date.now()) })).ok);
    assert.equal((await mfa.status(ref)).totp, 'confirmed');

    const status = await admin('--json', 'user', 'mfa-status', '--tenant', 'contoso', '--user', 'alice@contoso.test');
    assert.equal(status.code, 0, status.stderr);
    const before = JSON.parse(status.stdout);
    assert.equal(before.totp, 'confirmed');
    assert.equal(before.recoveryCodesLeft, 10);
    assert.ok(!status.stdout.includes('secret'), 'no secret in the status');
    const human = await admin('user', 'mfa-status', '--tenant', 'contoso', '--user', userId);
    assert.match(human.stdout, /^authenticator app: +confirmed$/m);

    const reset = await admin(
      'user',
      'reset-mfa',
      '--tenant',
      'contoso',
      '--user',
      'Alice@Contoso.test',
      '--reason',
      'lost phone',
    );
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(
      reset.stdout,
      /MFA reset for alice@contoso\.test: authenticator app removed, 0 security key\(s\), 10 recovery code\(s\) removed\./,
    );
    assert.deepEqual(await mfa.status(ref), { totp: 'none', webauthn: [], recoveryCodesLeft: 0 });

    const audit = JSON.parse((await admin('--json', 'audit')).stdout) as { action: string; target: string }[];
    const event = audit.find((a) => a.action === 'user.mfa.reset');
    assert.equal(event?.target, `user:${userId}`);

    const missing = await admin('user', 'reset-mfa', '--tenant', 'contoso', '--user', 'nobody@contoso.test');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not_found, HTTP 404/);
  });

  test('the protection routes need the admin token', async () => {
    for (const [method, path] of [
      ['GET', '/admin/api/v1/tenants/contoso/protection'],
      ['POST', '/admin/api/v1/tenants/contoso/protection'],
      ['GET', '/admin/api/v1/tenants/contoso/sign-ins'],
      ['POST', `/admin/api/v1/tenants/contoso/users/${userId}/reset-mfa`],
      ['POST', '/admin/api/v1/tenants/contoso/users/alice/unlock'],
    ] as const) {
      const r = await t.http(method, path, {
        headers: { authorization: 'Bearer wrong' },
        ...(method === 'POST' ? { body: {} } : {}),
      });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.json.error, 'unauthorized');
    }
  });
});

test('admin unlock clears the lockout the sign-in flow shares', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpta-protection-'));
  const lockout = new SmartLockout();
  const config = loadCloudConfig({ flags: { dataDir, port: 0, logLevel: 'silent' }, env: {} });
  const cloud = await buildCloudApp(config, { logger: createLogger('silent'), oidc: { lockout } });
  try {
    const auth = { authorization: `Bearer ${cloud.createdAdminToken}` };
    const created = await cloud.app.inject({
      method: 'POST',
      url: '/admin/api/v1/tenants',
      headers: auth,
      payload: { name: 'fabrikam', domains: ['fabrikam.test'] },
    });
    const tenantId = created.json().id as string;
    const settings = lockoutSettingsSchema.parse({ threshold: 1 });
    const subject = { tenantId, username: 'carol@fabrikam.test', ip: '198.51.100.9', settings };
    const first = await lockout.beginPassword(subject);
    assert.ok(!first.locked);
    await first.finish({ outcome: 'invalid_credentials', password: 'x' });
    assert.ok((await lockout.beginPassword(subject)).locked);
    const status = await cloud.app.inject({
      method: 'GET',
      url: '/admin/api/v1/tenants/fabrikam/users/carol%40fabrikam.test/lockout',
      headers: auth,
    });
    assert.equal(status.statusCode, 200, status.body);
    assert.equal(status.json().counters.unfamiliar.level, 1);
    assert.match(status.json().counters.unfamiliar.lockedUntil, /^\d{4}-\d\d-\d\dT/);
    assert.equal(status.json().counters.familiar.lockedUntil, null);
    const unlocked = await cloud.app.inject({
      method: 'POST',
      url: '/admin/api/v1/tenants/fabrikam/users/carol%40fabrikam.test/unlock',
      headers: auth,
      payload: {},
    });
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    const again = await lockout.beginPassword(subject);
    assert.equal(again.locked, false);
    if (!again.locked) again.abandon();
  } finally {
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
