import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import type { CloudPlugin } from '../src/context.ts';
import { CloudError } from '../src/errors.ts';
import { startTestCloud } from './helpers/cloud-fixture.ts';
import { captureLogs } from './helpers/log-capture.ts';

const failing: CloudPlugin = {
  name: 'failing',
  register: async (app) => {
    app.get('/boom', async () => {
      throw new Error('database password=hunter2 exploded');
    });
    app.post('/validate', async (request) => z.object({ count: z.number().int() }).strict().parse(request.body));
    app.get('/teapot', async () => {
      throw new CloudError('rate_limited', 'slow down', { retryAfter: 3 });
    });
  },
};

test('security headers by default: CSP with frame-ancestors none, HSTS, nosniff, no referrer', async (t) => {
  const cloud = await startTestCloud();
  t.after(() => cloud.close());
  const res = await cloud.http('GET', '/healthz');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'self'/);
  assert.match(String(res.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-powered-by'], undefined);
});

test('errors: unknown route 404 JSON; zod 400 with fields; typed 4xx; anything else 500 with a correlation id only', async (t) => {
  const logs = captureLogs();
  const cloud = await startTestCloud({ plugins: [failing], logger: logs.logger });
  t.after(() => cloud.close());

  const missing = await cloud.http('GET', '/no/such/route?x=1');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { error: 'not_found', message: 'no route for GET /no/such/route' });

  const invalid = await cloud.http('POST', '/validate', { body: { count: 'three', extra: 1 } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json.error, 'invalid_request');
  assert.deepEqual(invalid.json.issues.map((i: { path: string }) => i.path).sort(), ['', 'count']);

  const typed = await cloud.http('GET', '/teapot');
  assert.equal(typed.status, 429);
  assert.deepEqual(typed.json, { error: 'rate_limited', message: 'slow down', retryAfter: 3 });

  const big = await cloud.http('POST', '/validate', { rawBody: JSON.stringify({ count: 'x'.repeat(2_000_000) }) });
  assert.equal(big.status, 413);
  assert.equal(big.json.error, 'payload_too_large');

  const boom = await cloud.http('GET', '/boom', { headers: { 'x-request-id': 'corr-1' } });
  assert.equal(boom.status, 500);
  assert.deepEqual(Object.keys(boom.json).sort(), ['correlationId', 'error', 'message']);
  assert.equal(boom.json.error, 'internal_error');
  assert.equal(boom.json.correlationId, 'corr-1');
  assert.ok(!boom.text.includes('hunter2') && !boom.text.includes('.ts:'), 'neither the message nor the stack is sent');
  const logged = logs.lines().find((l) => l.requestId === 'corr-1' && l.level === 50) as { err?: { stack?: string } };
  assert.match(logged?.err?.stack ?? '', /app\.test\.ts/, 'the stack is logged with the correlation id');
});

test('graceful shutdown: in-flight requests finish, new connections are refused, the database closes', async (t) => {
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow: CloudPlugin = {
    name: 'slow',
    register: async (app) => {
      app.get('/slow', async () => {
        entered();
        await gate;
        return { finished: true };
      });
    },
  };
  const cloud = await startTestCloud({ plugins: [slow] });
  t.after(() => cloud.close());

  const inFlight = cloud.http('GET', '/slow');
  await inHandler;
  const closing = cloud.cloud.close();
  assert.equal(cloud.cloud.ctx.isShuttingDown(), true);
  await assert.rejects(cloud.http('GET', '/healthz'), { code: 'ECONNREFUSED' }, 'the listener is closed');
  release();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { finished: true });
  await closing;
  await assert.rejects(cloud.cloud.store.db.selectFrom('tenants').selectAll().execute(), 'the database is closed');
  await cloud.cloud.close();
});

test('graceful shutdown has a deadline: a request that never ends is cut after shutdownTimeoutMs', async (t) => {
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const stuck: CloudPlugin = {
    name: 'stuck',
    register: async (app) => {
      app.get('/stuck', () => {
        entered();
        return new Promise(() => {});
      });
    },
  };
  const cloud = await startTestCloud({ plugins: [stuck], flags: { shutdownTimeoutMs: 100 } });
  t.after(() => cloud.close());
  const request = cloud.http('GET', '/stuck');
  await inHandler;
  await cloud.cloud.close();
  await assert.rejects(request, { code: 'ECONNRESET' });
});

test('a port in use fails start-up with what to do, and leaves nothing open', async (t) => {
  const first = await startTestCloud();
  t.after(() => first.close());
  await assert.rejects(startTestCloud({ flags: { port: first.cloud.ctx.config.port } }), {
    message: new RegExp(
      `port ${first.cloud.ctx.config.port} on 127.0.0.1 is in use: stop the other process or set --port`,
    ),
  });
});

test('a feature plugin failing at registration fails start-up cleanly: earlier onClose hooks run', async () => {
  let cleanedUp = false;
  const good: CloudPlugin = {
    name: 'good',
    register: async (app) => {
      app.addHook('onClose', async () => {
        cleanedUp = true;
      });
    },
  };
  const bad: CloudPlugin = {
    name: 'bad',
    register: async () => {
      throw new Error('feature misconfigured');
    },
  };
  await assert.rejects(startTestCloud({ plugins: [good, bad] }), { message: 'feature misconfigured' });
  assert.equal(cleanedUp, true);
});
