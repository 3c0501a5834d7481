import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter } from 'prom-client';
import type { CloudPlugin } from '../src/context.ts';
import { openDatabase } from '../src/store/index.ts';
import { startTestCloud } from './helpers/cloud-fixture.ts';
import { captureLogs } from './helpers/log-capture.ts';

test('health, readiness and Prometheus metrics (default, request histogram, feature metrics)', async (t) => {
  const featureMetric: CloudPlugin = {
    name: 'feature',
    register: async (app, ctx) => {
      const signins = new Counter({
        name: 'openpta_test_feature_total',
        help: 'sign-ins by outcome',
        labelNames: ['outcome'],
        registers: [ctx.metrics.registry],
      });
      app.get('/feature', async () => {
        signins.inc({ outcome: 'success' });
        return { ok: true };
      });
    },
  };
  const cloud = await startTestCloud({ plugins: [featureMetric] });
  t.after(() => cloud.close());

  assert.deepEqual((await cloud.http('GET', '/healthz')).json, { status: 'ok' });
  const ready = await cloud.http('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.json.database, 'ok');
  await cloud.http('GET', '/feature');

  const metrics = await cloud.http('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain/);
  assert.match(metrics.text, /^process_cpu_user_seconds_total /m, 'default process metrics');
  assert.match(
    metrics.text,
    /openpta_http_request_duration_seconds_count\{method="GET",route="\/feature",status_code="200"\} 1/,
  );
  assert.match(
    metrics.text,
    /openpta_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/,
  );
  assert.match(metrics.text, /openpta_test_feature_total\{outcome="success"\} 1/);
});

test('readiness fails (503) when the database is unreachable; liveness still answers', async (t) => {
  const store = openDatabase('sqlite::memory:');
  const cloud = await startTestCloud({ store });
  t.after(() => cloud.close());
  assert.equal((await cloud.http('GET', '/readyz')).status, 200);
  await store.close();
  const ready = await cloud.http('GET', '/readyz');
  assert.equal(ready.status, 503);
  assert.deepEqual(ready.json, { status: 'not_ready', database: 'unreachable' });
  assert.equal((await cloud.http('GET', '/healthz')).status, 200);
});

test('logs: JSON with a request id; secrets redacted; a safe X-Request-Id is kept, an unsafe one replaced', async (t) => {
  const logs = captureLogs('info');
  const cloud = await startTestCloud({ logger: logs.logger });
  t.after(() => cloud.close());

  const kept = await cloud.http('GET', '/healthz', { headers: { 'x-request-id': 'trace-42.a:b' } });
  assert.equal(kept.headers['x-request-id'], 'trace-42.a:b');
  const replaced = await cloud.http('GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(65) } });
  assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  await cloud.admin('GET', '/admin/api/v1/tenants');

  logs.logger.info(
    {
      password: 'pw-one',
      user: { password: 'pw-two', otp: '123456' },
      body: { client_secret: 'cs-three', nested: { token: 'tok-four' } },
      req: { headers: { authorization: 'Bearer tok-five', cookie: 'sid=cookie-six' } },
    },
    'redaction probe',
  );
  const raw = logs.raw();
  for (const secret of ['pw-one', 'pw-two', '123456', 'cs-three', 'tok-four', 'tok-five', 'cookie-six', cloud.token]) {
    assert.ok(!raw.includes(secret), `${secret} must not be logged`);
  }
  const lines = logs.lines();
  const requestLines = lines.filter((l) => l.requestId === 'trace-42.a:b');
  assert.ok(requestLines.length >= 2, 'request and response lines carry the request id');
  assert.ok(requestLines.every((l) => typeof l.time === 'string' && l.service === 'openpta-cloud'));
  const probe = lines.find((l) => l.msg === 'redaction probe')!;
  assert.equal(probe.password, '[redacted]');
});
