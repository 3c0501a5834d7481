import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, mock } from 'node:test';
import Fastify from 'fastify';
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { clientKey, SignInRateLimiter, signInRateLimitHook } from '../src/protection/index.ts';

describe('sign-in rate limiter', () => {
  it('refuses a client over its budget with a retry-after, and lets another client through', async () => {
    const limiter = new SignInRateLimiter({ config: { perIp: { points: 3, durationSeconds: 60 } } });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await limiter.consume({ tenantId: 't', ip: '192.0.2.1' }), { allowed: true });
    }
    const refused = await limiter.consume({ tenantId: 't', ip: '192.0.2.1' });
    assert.equal(refused.allowed, false);
    assert.ok(!refused.allowed && refused.scope === 'ip');
    assert.ok(!refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
    assert.deepEqual(await limiter.consume({ tenantId: 't', ip: '192.0.2.2' }), { allowed: true });
  });

  it('limits the tenant as a whole across clients', async () => {
    const limiter = new SignInRateLimiter({
      config: { perIp: { points: 100, durationSeconds: 60 }, perTenant: { points: 4, durationSeconds: 60 } },
    });
    for (let i = 0; i < 4; i++) assert.ok((await limiter.consume({ tenantId: 'big', ip: `192.0.2.${i}` })).allowed);
    const refused = await limiter.consume({ tenantId: 'big', ip: '192.0.2.50' });
    assert.ok(!refused.allowed && refused.scope === 'tenant');
    assert.ok((await limiter.consume({ tenantId: 'other', ip: '192.0.2.50' })).allowed, 'other tenants are unaffected');
  });

  it('a refused client does not spend the tenant budget', async () => {
    const limiter = new SignInRateLimiter({
      config: { perIp: { points: 1, durationSeconds: 60 }, perTenant: { points: 2, durationSeconds: 60 } },
    });
    assert.ok((await limiter.consume({ tenantId: 't', ip: '192.0.2.1' })).allowed);
    for (let i = 0; i < 5; i++) assert.ok(!(await limiter.consume({ tenantId: 't', ip: '192.0.2.1' })).allowed);
    assert.ok((await limiter.consume({ tenantId: 't', ip: '192.0.2.2' })).allowed);
  });

  it('limits IPv6 clients per /64', async () => {
    const limiter = new SignInRateLimiter({ config: { perIp: { points: 2, durationSeconds: 60 } } });
    assert.ok((await limiter.consume({ tenantId: 't', ip: '2001:db8:1:2::1' })).allowed);
    assert.ok((await limiter.consume({ tenantId: 't', ip: '2001:db8:1:2::2' })).allowed);
    assert.ok(!(await limiter.consume({ tenantId: 't', ip: '2001:db8:1:2:ffff::9' })).allowed);
    assert.equal(clientKey('::ffff:192.0.2.9'), '192.0.2.9');
  });

  it('the budget comes back after the duration (mocked clock)', async () => {
    mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.UTC(2026, 10, 25) });
    try {
      const limiter = new SignInRateLimiter({ config: { perIp: { points: 1, durationSeconds: 10 } } });
      assert.ok((await limiter.consume({ tenantId: 't', ip: '192.0.2.1' })).allowed);
      const refused = await limiter.consume({ tenantId: 't', ip: '192.0.2.1' });
      assert.ok(!refused.allowed && refused.retryAfterSeconds === 10);
      mock.timers.tick(10_001);
      assert.ok((await limiter.consume({ tenantId: 't', ip: '192.0.2.1' })).allowed);
    } finally {
      mock.timers.reset();
    }
  });

  it('refuses an invalid configuration', () => {
    assert.throws(() => new SignInRateLimiter({ config: { perIp: { points: 0, durationSeconds: 60 } } }));
  });
});

describe('sign-in rate limit hook', () => {
  it('answers 429 with Retry-After once the budget is spent', async () => {
    const app = Fastify();
    const limiter = new SignInRateLimiter({ config: { perIp: { points: 2, durationSeconds: 60 } } });
    const hook = signInRateLimitHook(limiter, (request) => (request.params as { tenant: string }).tenant);
    app.post('/t/:tenant/sign-in', { preHandler: hook }, async () => ({ signedIn: true }));
    try {
      for (let i = 0; i < 2; i++) {
        const ok = await app.inject({ method: 'POST', url: '/t/acme/sign-in', remoteAddress: '192.0.2.1' });
        assert.equal(ok.statusCode, 200);
      }
      const refused = await app.inject({ method: 'POST', url: '/t/acme/sign-in', remoteAddress: '192.0.2.1' });
      assert.equal(refused.statusCode, 429);
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60);
      assert.match(refused.body, /Try again in \d+ seconds/);
    } finally {
      await app.close();
    }
  });
});

describe('sign-in rate limiter over a shared store', () => {
  it("rate-limiter-flexible's PostgreSQL store behind the same API: two cloud nodes share one budget", async () => {
    const adminUrl = process.env.OPENPTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `openpta_rl_${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: adminUrl, max: 4, connectionTimeoutMillis: 5000 });
    try {
      await pool.query(`create schema ${schema}`);
      const ready: Promise<void>[] = [];
      const postgresLimiter = (scope: 'ip' | 'tenant', points: number, duration: number) => {
        let limiter: RateLimiterPostgres | undefined;
        ready.push(
          new Promise<void>((resolve, reject) => {
            limiter = new RateLimiterPostgres(
              {
                storeClient: pool,
                schemaName: schema,
                tableName: `sign_in_${scope}`,
                keyPrefix: `sign-in-${scope}`,
                points,
                duration,
                clearExpiredByTimeout: false,
              },
              (error?: unknown) => (error ? reject(error) : resolve()),
            );
          }),
        );
        return limiter!;
      };
      const config = { perIp: { points: 3, durationSeconds: 60 }, perTenant: { points: 100, durationSeconds: 60 } };
      const nodeA = new SignInRateLimiter({ config, createLimiter: postgresLimiter });
      await Promise.all(ready.splice(0));
      const nodeB = new SignInRateLimiter({
        config,
        createLimiter: (scope, points, duration) =>
          new RateLimiterPostgres({
            storeClient: pool,
            schemaName: schema,
            tableName: `sign_in_${scope}`,
            keyPrefix: `sign-in-${scope}`,
            points,
            duration,
            tableCreated: true,
            clearExpiredByTimeout: false,
          }),
      });
      const client = { tenantId: 't', ip: '203.0.113.7' };
      assert.ok((await nodeA.consume(client)).allowed);
      assert.ok((await nodeB.consume(client)).allowed);
      assert.ok((await nodeA.consume(client)).allowed);
      const refused = await nodeB.consume(client);
      assert.ok(!refused.allowed && refused.scope === 'ip' && refused.retryAfterSeconds >= 1);
    } finally {
      await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await pool.end();
    }
  });
});
