/**
 * Cost of sign-in protection per request, against baselines measured in the same run:
 * - smart lockout (gate + bookkeeping of a wrong password: HMAC digest, counter update) vs one bare HMAC-SHA256
 *   with a prepared key;
 * - the sign-in rate limiter (per client + per tenant) vs one rate-limiter-flexible memory consume;
 * - a TOTP check (3 candidate codes) vs one bare HMAC-SHA1;
 * - a validated sign-in log insert (SQLite in memory) vs the same row inserted through Kysely without validation.
 * Reports operations per second and the ratio (ours / baseline): the budget these steps take from a sign-in.
 */
import { createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { checkTotpCode, totpCodeAt } from '../packages/cloud/src/mfa/totp.ts';
import { lockoutSettingsSchema, SignInRateLimiter, SmartLockout } from '../packages/cloud/src/protection/index.ts';
import { SignInLogStore } from '../packages/cloud/src/sign-in-log/index.ts';
import { migrateToLatest, openDatabase } from '../packages/cloud/src/store/index.ts';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);

async function measure(fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(i);
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    for (let i = 0; i < 50; i++) await fn(ops + i);
    ops += 50;
  }
  return (ops * 1000) / (performance.now() - start);
}

const rows: [string, number, number][] = [];

{
  const key = createSecretKey(randomBytes(32));
  const baseline = await measure((i) => createHmac('sha256', key).update(`t\u0000user-${i}\u0000pw-${i}`).digest());
  const lockout = new SmartLockout();
  const settings = lockoutSettingsSchema.parse({ threshold: 1000 });
  const ours = await measure(async (i) => {
    const gate = await lockout.beginPassword({
      tenantId: 't',
      username: `user-${i % 5000}`,
      ip: '192.0.2.1',
      settings,
    });
    if (!gate.locked) await gate.finish({ outcome: 'invalid_credentials', password: `pw-${i}` });
  });
  rows.push(['smart lockout: gate + wrong password', ours, baseline]);
}

{
  const bare = new RateLimiterMemory({ points: 1e9, duration: 60 });
  const baseline = await measure((i) => bare.consume(`192.0.2.${i % 250}`));
  const limiter = new SignInRateLimiter({
    config: { perIp: { points: 1e9, durationSeconds: 60 }, perTenant: { points: 1e9, durationSeconds: 60 } },
  });
  const ours = await measure((i) => limiter.consume({ tenantId: 't', ip: `192.0.2.${i % 250}` }));
  rows.push(['sign-in rate limit (client + tenant)', ours, baseline]);
}

{
  const secret = randomBytes(20);
  const now = Date.now();
  const code = totpCodeAt(secret, now + 30_000);
  const baseline = await measure(() => createHmac('sha1', secret).update(Buffer.alloc(8)).digest());
  const ours = await measure(() => checkTotpCode({ secret, code, now, lastUsedStep: null }));
  rows.push(['TOTP check (window 1)', ours, baseline]);
}

{
  const store = openDatabase('sqlite::memory:');
  await migrateToLatest(store);
  const tenantId = randomUUID();
  await store.db
    .insertInto('tenants')
    .values({ id: tenantId, name: 'b', display_name: 'b', settings: '{}', created_at: 0, updated_at: 0 })
    .execute();
  const log = new SignInLogStore(store.db);
  const entry = {
    tenantId,
    username: 'alice@contoso.test',
    ip: '192.0.2.1',
    stage: 'password' as const,
    result: 'success' as const,
    agentOutcome: 'ok' as const,
    correlationId: 'c',
  };
  const baseline = await measure(() =>
    store.db
      .insertInto('sign_in_log')
      .values({
        id: randomUUID(),
        time: Date.now(),
        tenant_id: tenantId,
        username: entry.username,
        user_id: null,
        client_id: null,
        ip: entry.ip,
        user_agent: null,
        stage: 'password',
        agent_outcome: 'ok',
        result: 'success',
        agent_id: null,
        dc: null,
        queue_ms: null,
        agent_ms: null,
        directory_ms: null,
        total_ms: null,
        mfa_method: null,
        correlation_id: 'c',
      })
      .execute(),
  );
  const ours = await measure(() => log.insert(entry));
  rows.push(['sign-in log insert (SQLite memory)', ours, baseline]);
  await store.close();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`${'step'.padEnd(40)}${'ours ops/s'.padStart(12)}${'baseline'.padStart(12)}  ratio`);
for (const [name, ours, baseline] of rows) {
  console.log(`${name.padEnd(40)}${fmt(ours)}${fmt(baseline)}  ${(ours / baseline).toFixed(2)}`);
}
