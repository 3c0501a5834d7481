import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { OUTCOMES, type Outcome } from '@openpta/protocol';
import { Registry } from 'prom-client';
import { lockoutSettingsSchema, SmartLockout } from '../src/protection/index.ts';
import {
  createSignInRecorder,
  mfaStepEntry,
  passwordStepEntry,
  SignInLogStore,
  signInLogEntrySchema,
  timingsFrom,
} from '../src/sign-in-log/index.ts';
import { openDatabase } from '../src/store/index.ts';
import { captureLogs } from './helpers/log-capture.ts';
import { onEveryDatabase } from './sign-in-log-databases.ts';

const facts = {
  tenantId: 't1',
  username: 'alice@contoso.test',
  ip: '192.0.2.1',
  userAgent: 'UA',
  clientId: 'app',
  correlationId: 'corr',
};

describe('password step records', () => {
  const expected: Record<Outcome, string> = {
    ok: 'success',
    invalid_credentials: 'invalid_credentials',
    account_disabled: 'account_disabled',
    account_expired: 'account_expired',
    account_locked: 'account_locked',
    password_expired: 'password_expired',
    password_must_change: 'password_must_change',
    logon_hours: 'logon_hours',
    workstation_restricted: 'workstation_restricted',
    password_policy: 'bad_request',
    directory_unavailable: 'service_unavailable',
    directory_timeout: 'service_unavailable',
    directory_tls_error: 'service_unavailable',
    directory_error: 'service_unavailable',
    agent_unavailable: 'service_unavailable',
    bad_request: 'bad_request',
  };
  for (const outcome of OUTCOMES) {
    it(`${outcome} is shown as ${expected[outcome]} and the record is valid`, () => {
      const entry = passwordStepEntry(facts, { outcome });
      assert.equal(entry.result, expected[outcome]);
      assert.equal(entry.agentOutcome, outcome);
      assert.ok(signInLogEntrySchema.safeParse(entry).success);
    });
  }

  it('an infrastructure failure is never recorded as a wrong password', () => {
    for (const outcome of ['directory_unavailable', 'directory_timeout', 'agent_unavailable'] as const) {
      assert.notEqual(passwordStepEntry(facts, { outcome }).result, 'invalid_credentials');
    }
  });

  it('refusals without an agent carry no agent outcome; an accepted password may lead to MFA', () => {
    assert.deepEqual(
      [passwordStepEntry(facts, { refused: 'locked_out' }), passwordStepEntry(facts, { refused: 'rate_limited' })].map(
        (e) => [e.result, e.agentOutcome],
      ),
      [
        ['locked_out', null],
        ['rate_limited', null],
      ],
    );
    assert.equal(passwordStepEntry(facts, { outcome: 'ok', next: 'mfa' }).result, 'mfa_pending');
    assert.equal(passwordStepEntry(facts, { outcome: 'ok', next: 'mfa_enrolment' }).result, 'mfa_enrolment_required');
    assert.equal(
      passwordStepEntry(facts, { outcome: 'invalid_credentials', next: 'mfa' }).result,
      'invalid_credentials',
    );
  });

  it('maps verifier timings and the agent and DC', () => {
    const entry = passwordStepEntry(facts, {
      outcome: 'ok',
      agentId: 'agent-1',
      dc: 'dc1',
      timings: { queue: 2.4, agent: 30, bind: 12, search: 3 },
      totalMs: 41.6,
    });
    assert.deepEqual(entry.timings, { queueMs: 2, agentMs: 30, directoryMs: 15, totalMs: 42 });
    assert.equal(entry.agentId, 'agent-1');
    assert.equal(entry.dc, 'dc1');
    assert.deepEqual(timingsFrom({ directoryMs: 5, bind: 100, totalMs: 9, junk: -1 }), { directoryMs: 5, totalMs: 9 });
    assert.deepEqual(timingsFrom(undefined), {});
  });

  it('MFA step records', () => {
    assert.deepEqual(
      [
        mfaStepEntry(facts, { method: 'totp', ok: true }),
        mfaStepEntry(facts, { method: 'webauthn', ok: false }),
        mfaStepEntry(facts, { method: 'recovery_code', ok: false, locked: true }),
      ].map((e) => [e.stage, e.result, e.mfaMethod]),
      [
        ['mfa', 'success', 'totp'],
        ['mfa', 'mfa_failed', 'webauthn'],
        ['mfa', 'mfa_locked_out', 'recovery_code'],
      ],
    );
  });
});

it('the recorder is best effort: a failing store logs an error and does not throw', async () => {
  const store = openDatabase('sqlite::memory:');
  await store.close();
  const { logger, lines } = captureLogs();
  const registry = new Registry();
  const recorder = createSignInRecorder({ store: new SignInLogStore(store.db), logger, registry });
  await recorder.record(passwordStepEntry(facts, { outcome: 'ok' }));
  const errors = lines().filter((l) => l.level === 50);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.correlationId, 'corr');
  assert.match(await registry.metrics(), /^openpta_sign_in_log_write_failures_total 1$/m);
});

onEveryDatabase('a whole password step never stores or logs the password (canary)', (database) => {
  it('wrong password, lockout, then right password: canary absent from the log table and the process log', async () => {
    const { store, tenant } = database();
    const tenantId = await tenant();
    const { logger, raw } = captureLogs('debug');
    const recorder = createSignInRecorder({ store: new SignInLogStore(store.db), logger });
    const lockout = new SmartLockout();
    const settings = lockoutSettingsSchema.parse({ threshold: 2 });
    const canary = `CANARY-${randomUUID()}`;
    const attempt = async (password: string, outcome: Outcome) => {
      const f = { ...facts, tenantId, correlationId: randomUUID() };
      const gate = await lockout.beginPassword({ tenantId, username: f.username, ip: f.ip, settings });
      if (gate.locked) {
        await recorder.record(passwordStepEntry(f, { refused: 'locked_out' }));
        return 'locked';
      }
      // Stands in for the credential verifier: the password goes nowhere else.
      await gate.finish({ outcome, password });
      await recorder.record(passwordStepEntry(f, { outcome }));
      logger.info({ event: 'sign_in', username: f.username, outcome }, 'sign-in attempt');
      return outcome;
    };
    assert.equal(await attempt(`${canary}-1`, 'invalid_credentials'), 'invalid_credentials');
    assert.equal(await attempt(`${canary}-2`, 'invalid_credentials'), 'invalid_credentials');
    assert.equal(await attempt(`${canary}-right`, 'ok'), 'locked');
    const rows = await store.db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', tenantId).execute();
    assert.deepEqual(rows.map((r) => r.result).sort(), ['invalid_credentials', 'invalid_credentials', 'locked_out']);
    const everything = JSON.stringify(await store.db.selectFrom('sign_in_log').selectAll().execute()) + raw();
    assert.ok(!everything.includes('CANARY'), 'no password in the sign-in log or the process log');
  });
});
