import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { createRequestMetrics } from '../src/run/request-metrics.ts';

test('the request metrics expose exactly what prom-client Counter and Histogram would', async () => {
  const ours = new Registry();
  const metrics = createRequestMetrics(ours);
  const reference = new Registry();
  const requests = new Counter({
    name: 'openpta_agent_requests_total',
    help: 'Requests handled, by kind and outcome (or refusal code)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [reference],
  });
  const duration = new Histogram({
    name: 'openpta_agent_request_duration_seconds',
    help: 'Time from receiving a request to answering it',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [reference],
  });
  const seen: [string, string, number][] = [
    ['validate', 'ok', 40],
    ['validate', 'ok', 1],
    ['validate', 'invalid_credentials', 0.5],
    ['validate', 'ENVELOPE_EXPIRED', 2.5],
    ['change-password', 'ok', 15_000],
    ['change-password', 'directory_error', 20_000],
    ['validate', 'ok', 250],
  ];
  for (const [kind, outcome, ms] of seen.slice(0, 4)) {
    metrics.done(kind, outcome, ms);
    requests.inc({ kind, outcome });
    duration.observe({ kind }, ms / 1000);
  }
  assert.equal(await ours.metrics(), await reference.metrics());
  // Counts keep adding up across reads.
  for (const [kind, outcome, ms] of seen.slice(4)) {
    metrics.done(kind, outcome, ms);
    requests.inc({ kind, outcome });
    duration.observe({ kind }, ms / 1000);
  }
  assert.equal(await ours.metrics(), await reference.metrics());
  assert.deepEqual(await ours.getMetricsAsJSON(), await reference.getMetricsAsJSON());
});
