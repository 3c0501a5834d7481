import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  type SignInLogEntryInput,
  SignInLogStore,
  signInLogEntrySchema,
  startSignInLogRetention,
} from '../src/sign-in-log/index.ts';
import { onEveryDatabase } from './sign-in-log-databases.ts';

const T0 = Date.UTC(2026, 10, 25, 12);

function entry(tenantId: string, overrides: Partial<SignInLogEntryInput> = {}): SignInLogEntryInput {
  return {
    tenantId,
    username: 'alice@contoso.test',
    ip: '192.0.2.10',
    stage: 'password',
    result: 'invalid_credentials',
    agentOutcome: 'invalid_credentials',
    correlationId: randomUUID(),
    ...overrides,
  };
}

onEveryDatabase('sign-in log store', (database) => {
  it('stores every field and reads it back', async () => {
    const { store, tenant, user } = database();
    const tenantId = await tenant();
    const userId = await user(tenantId);
    const log = new SignInLogStore(store.db, { now: () => T0 });
    const input = {
      tenantId,
      username: '  Alice@Contoso.test ',
      userId,
      clientId: 'client-1',
      ip: '2001:db8::5',
      userAgent: 'Mozilla/5.0 (test)',
      stage: 'mfa',
      agentOutcome: 'ok',
      result: 'success',
      agentId: 'agent-7',
      dc: 'dc1.contoso.test',
      timings: { queueMs: 3, agentMs: 40, directoryMs: 25, totalMs: 52 },
      mfaMethod: 'totp',
      correlationId: 'corr-1',
    } as const;
    const written = await log.insert(input);
    const { records } = await log.query({ tenantId });
    assert.equal(records.length, 1);
    assert.deepEqual(records[0], written);
    // Every field as given, plus the id and time the store adds; the username trimmed.
    assert.deepEqual(records[0], { id: written.id, time: T0, ...input, username: 'Alice@Contoso.test' });
  });

  it('filters by tenant, user, outcome and time', async () => {
    const { store, tenant, user } = database();
    const a = await tenant();
    const b = await tenant();
    const bobId = await user(a, 'bob@contoso.test');
    const log = new SignInLogStore(store.db);
    await log.insert(entry(a, { time: T0, username: 'alice@contoso.test' }));
    await log.insert(entry(a, { time: T0 + 1000, username: 'bob@contoso.test', userId: bobId }));
    await log.insert(entry(a, { time: T0 + 2000, result: 'locked_out', agentOutcome: null }));
    await log.insert(
      entry(a, {
        time: T0 + 3000,
        result: 'service_unavailable',
        agentOutcome: 'directory_timeout',
        username: 'BOB@contoso.test',
      }),
    );
    await log.insert(entry(b, { time: T0 + 4000 }));
    const times = async (q: Parameters<SignInLogStore['query']>[0]) =>
      (await log.query(q)).records.map((r) => r.time - T0);
    assert.deepEqual(await times({ tenantId: a }), [3000, 2000, 1000, 0], 'newest first, one tenant only');
    assert.deepEqual(await times({ tenantId: b }), [4000]);
    assert.deepEqual(await times({ tenantId: a, user: 'bob@contoso.test' }), [3000, 1000], 'username, any case');
    assert.deepEqual(await times({ tenantId: a, user: bobId }), [1000], 'or user id');
    assert.deepEqual(await times({ tenantId: a, outcome: 'locked_out' }), [2000], 'what the user saw');
    assert.deepEqual(await times({ tenantId: a, outcome: 'directory_timeout' }), [3000], 'or the agent outcome');
    assert.deepEqual(await times({ tenantId: a, since: T0 + 1000 }), [3000, 2000, 1000]);
    assert.deepEqual(await times({ tenantId: a, user: 'nobody' }), []);
  });

  it('pages with a cursor: no record twice, none skipped, also with equal timestamps and inserts in between', async () => {
    const { store, tenant } = database();
    const tenantId = await tenant();
    const log = new SignInLogStore(store.db);
    const ids = new Set<string>();
    for (let i = 0; i < 23; i++) {
      // Groups of three share a timestamp: the id breaks the tie.
      ids.add((await log.insert(entry(tenantId, { time: T0 + Math.floor(i / 3) * 1000 }))).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await log.query({ tenantId, limit: 5, ...(cursor ? { cursor } : {}) });
      pages += 1;
      seen.push(...page.records.map((r) => r.id));
      if (pages === 2) await log.insert(entry(tenantId, { time: T0 + 60_000 }));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    assert.equal(pages, 5);
    assert.equal(seen.length, 23);
    assert.deepEqual(new Set(seen), ids);
    const page = await log.query({ tenantId, limit: 24 });
    assert.equal(page.records.length, 24);
    assert.equal(page.nextCursor, null);
  });

  it('purges records older than the retention, in batches', async () => {
    const { store, tenant } = database();
    const tenantId = await tenant();
    const log = new SignInLogStore(store.db);
    for (let i = 0; i < 7; i++) await log.insert(entry(tenantId, { time: T0 - (40 - i) * 86_400_000 }));
    for (let i = 0; i < 3; i++) await log.insert(entry(tenantId, { time: T0 - i * 86_400_000 }));
    assert.equal(await log.purge(T0 - 30 * 86_400_000, 2), 7);
    assert.equal((await log.query({ tenantId })).records.length, 3);
    assert.equal(await log.purge(T0 - 30 * 86_400_000), 0);
  });

  it('the retention job purges on demand with the configured retention and stops cleanly', async () => {
    const { store, tenant } = database();
    const tenantId = await tenant();
    const log = new SignInLogStore(store.db);
    await log.insert(entry(tenantId, { time: T0 - 8 * 86_400_000 }));
    await log.insert(entry(tenantId, { time: T0 - 6 * 86_400_000 }));
    const results: unknown[] = [];
    const job = startSignInLogRetention({
      store: log,
      config: { retentionDays: 7 },
      now: () => T0,
      onPurge: (r) => results.push(r),
    });
    try {
      assert.equal(await job.runOnce(), 1);
      assert.deepEqual(results, [{ deleted: 1 }]);
      assert.equal((await log.query({ tenantId })).records.length, 1);
    } finally {
      await job.close();
    }
  });

  it('refuses bad queries and cursors with typed errors', async () => {
    const { store } = database();
    const log = new SignInLogStore(store.db);
    await assert.rejects(log.query({ tenantId: 't', cursor: 'not-a-cursor' }), {
      code: 'ERR_SIGN_IN_LOG_CURSOR_INVALID',
    });
    await assert.rejects(log.query({ tenantId: 't', limit: 0 }), { code: 'ERR_SIGN_IN_LOG_QUERY_INVALID' });
    await assert.rejects(log.query({ tenantId: '' }), { code: 'ERR_SIGN_IN_LOG_QUERY_INVALID' });
  });

  it('refuses a record with a password, OTP or any field the schema does not name; the table keeps no canary', async () => {
    const { store, tenant } = database();
    const tenantId = await tenant();
    const log = new SignInLogStore(store.db);
    const canary = `CANARY-${randomUUID()}`;
    for (const extra of [
      { password: canary },
      { otp: canary },
      { code: canary },
      { secret: canary },
      { extra: canary },
    ]) {
      await assert.rejects(log.insert({ ...entry(tenantId), ...extra } as SignInLogEntryInput), {
        code: 'ERR_SIGN_IN_LOG_RECORD_INVALID',
      });
    }
    await assert.rejects(
      log.insert({ ...entry(tenantId), timings: { totalMs: 1, password: canary } } as unknown as SignInLogEntryInput),
      { code: 'ERR_SIGN_IN_LOG_RECORD_INVALID' },
    );
    await log.insert(entry(tenantId));
    const mine = await store.db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', tenantId).execute();
    assert.equal(mine.length, 1);
    const everything = await store.db.selectFrom('sign_in_log').selectAll().execute();
    assert.ok(!JSON.stringify(everything).includes(canary));
  });
});

it('the record schema has no field that could carry a secret', () => {
  const keys = Object.keys(signInLogEntrySchema.shape);
  assert.deepEqual(keys.sort(), [
    'agentId',
    'agentOutcome',
    'clientId',
    'correlationId',
    'dc',
    'ip',
    'mfaMethod',
    'result',
    'stage',
    'tenantId',
    'time',
    'timings',
    'userAgent',
    'userId',
    'username',
  ]);
  for (const key of keys) assert.doesNotMatch(key, /pass|pwd|otp|secret|code|token|credential/i);
});
