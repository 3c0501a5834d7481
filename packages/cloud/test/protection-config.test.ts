/**
 * The protection settings of the cloud configuration: `signInLog.retentionDays` / `purgeIntervalSeconds` and
 * `lockout.store` (memory | database), with their defaults, environment variables and errors, and their effect on a
 * running cloud: the retention purges older sign-in log records at start, and `lockout.store: database` keeps the
 * smart-lockout counters in the store's lockout_state table (memory keeps none there).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { ConfigError, loadCloudConfig } from '../src/config/index.ts';
import type { CredentialVerifier } from '../src/credentials/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { SignInLogStore } from '../src/sign-in-log/index.ts';
import { type RunningCloud, startCloud } from '../src/start.ts';
import { HttpSession } from './support/http-session.ts';
import { authorizationRequest, discoverRp, openSignIn, submitSignIn } from './support/oidc-rp.ts';

/** Every password is wrong: enough to count a failure (the directory itself is tested elsewhere). */
const wrongEverywhere: CredentialVerifier = {
  verifyPassword: async () => ({ outcome: 'invalid_credentials' }),
  changePassword: async () => ({ outcome: 'invalid_credentials' }),
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: sign-in log kept 30 days, purged hourly; lockout in memory', () => {
  const config = loadCloudConfig({ env: {}, cwd: '/srv' });
  assert.deepEqual(config.signInLog, { retentionDays: 30, purgeIntervalSeconds: 3600 });
  assert.deepEqual(config.lockout, { store: 'memory' });
});

test('set from the config file and the environment (env wins); bad values name the field and where to set it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-protection-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openpta.yaml');
  writeFileSync(file, 'signInLog:\n  retentionDays: 90\n  purgeIntervalSeconds: 600\nlockout:\n  store: database\n');
  const fromFile = loadCloudConfig({ env: { OPENPTA_CONFIG: file }, cwd: dir });
  assert.deepEqual(fromFile.signInLog, { retentionDays: 90, purgeIntervalSeconds: 600 });
  assert.equal(fromFile.lockout.store, 'database');
  const fromEnv = loadCloudConfig({
    env: { OPENPTA_CONFIG: file, OPENPTA_SIGN_IN_LOG_RETENTION_DAYS: '7', OPENPTA_LOCKOUT_STORE: 'memory' },
    cwd: dir,
  });
  assert.deepEqual(fromEnv.signInLog, { retentionDays: 7, purgeIntervalSeconds: 600 });
  assert.equal(fromEnv.lockout.store, 'memory');

  const bad = configError(() =>
    loadCloudConfig({ env: { OPENPTA_SIGN_IN_LOG_RETENTION_DAYS: '0', OPENPTA_LOCKOUT_STORE: 'redis' }, cwd: dir }),
  );
  const byField = new Map(bad.issues.map((i) => [i.field, i.message]));
  assert.match(byField.get('signInLog.retentionDays') ?? '', /1-3650 days.*OPENPTA_SIGN_IN_LOG_RETENTION_DAYS/);
  assert.match(byField.get('lockout.store') ?? '', /memory or database.*OPENPTA_LOCKOUT_STORE/);
  writeFileSync(file, 'lockout:\n  stor: database\n');
  const typo = configError(() => loadCloudConfig({ env: { OPENPTA_CONFIG: file }, cwd: dir }));
  assert.equal(typo.issues[0]?.field, 'lockout.stor');
});

async function start(dataDir: string, env: Record<string, string>): Promise<RunningCloud> {
  const config = loadCloudConfig({ flags: { dataDir, host: '127.0.0.1', port: '0' }, env });
  return startCloud(config, {
    logger: createLogger('silent'),
    credentialVerifier: wrongEverywhere,
    announce: () => {},
  });
}

/** One wrong password through the real sign-in page. */
async function failOnce(cloud: RunningCloud): Promise<void> {
  const services = cloud.ctx.services;
  const tenant =
    (await services.tenants.getByName('acme')) ??
    (await services.tenants.create({ name: 'acme', domains: ['acme.test'] }));
  const { client, clientSecret } = await services.clients.create({
    tenantId: tenant.id,
    name: 'rp',
    redirectUris: ['https://rp.example.test/callback'],
    public: false,
  });
  const dispatcher = new Agent({ connect: { ca: readFileSync(cloud.ctx.tls.caFile!, 'utf8') } });
  try {
    const fetch = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
      undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch;
    const h = { fetch, baseUrl: cloud.ctx.config.publicUrl, tenant } as never;
    const config = await discoverRp(h, client.clientId, clientSecret);
    const session = new HttpSession(fetch);
    const page = await openSignIn(h, session, (await authorizationRequest(config)).url);
    const answer = await submitSignIn(h, session, page, 'alice@acme.test', 'Wrong-Password-1');
    assert.equal(answer.status, 200);
    assert.match(answer.body, /username or password is incorrect/);
  } finally {
    await dispatcher.close();
  }
}

async function lockoutRows(cloud: RunningCloud): Promise<number> {
  return (await cloud.ctx.store.db.selectFrom('lockout_state').select('key').execute()).length;
}

test('a running cloud: lockout.store database keeps counters in the store; retention purges old records at start', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpta-protection-config-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  // Defaults: the lockout counts in memory, nothing in lockout_state.
  const first = await start(dataDir, {});
  let tenantId: string;
  try {
    await failOnce(first);
    assert.equal(await lockoutRows(first), 0);
    tenantId = (await first.ctx.services.tenants.getByName('acme'))!.id;
    const log = new SignInLogStore(first.ctx.store.db);
    const base = { tenantId, username: 'old@acme.test', ip: '192.0.2.1', stage: 'password', result: 'success' };
    await log.insert({ ...base, correlationId: 'old', time: Date.now() - 3 * 86_400_000 } as never);
    await log.insert({ ...base, username: 'new@acme.test', correlationId: 'new', time: Date.now() } as never);
  } finally {
    await first.close();
  }

  const second = await start(dataDir, { OPENPTA_SIGN_IN_LOG_RETENTION_DAYS: '2', OPENPTA_LOCKOUT_STORE: 'database' });
  try {
    const log = new SignInLogStore(second.ctx.store.db);
    const usernames = async () =>
      (await log.query({ tenantId: tenantId!, limit: 100 })).records.map((r) => r.username).sort();
    // The purge runs right after start (and then every purgeIntervalSeconds).
    for (let i = 0; i < 100 && (await usernames()).includes('old@acme.test'); i++) await sleep(50);
    assert.deepEqual(
      (await usernames()).filter((u) => u !== 'alice@acme.test'),
      ['new@acme.test'],
    );

    await failOnce(second);
    assert.ok((await lockoutRows(second)) > 0, 'the failure is counted in lockout_state');
    const text = JSON.stringify(await second.ctx.store.db.selectFrom('lockout_state').selectAll().execute());
    assert.ok(!text.includes('Wrong-Password-1'), 'only a keyed digest of the wrong password is stored');
  } finally {
    await second.close();
  }
});
