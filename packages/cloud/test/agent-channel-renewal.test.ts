/**
 * Certificate renewal of a running agent, end to end: the real cloud app (agent registry, gateway, dispatcher,
 * channel verifier), a real agent runtime (what `openpta agent run` starts) registered through the registration API,
 * and the trial directory.
 *
 * - With a certificate validity of seconds, the runtime renews certificate and encryption key by itself
 *   (scheduleRenewal), reconnects with the new certificate, and keeps serving: sign-ins sent without pause across
 *   the renewal all succeed; the old certificate is refused afterwards.
 * - A renewal while a request is in flight (here by another process, as `openpta agent renew` does) drains the old
 *   connection with the `reconnect` frame: the request finishes `ok` on it, and the agent reconnects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  agentRunConfigSchema,
  loadAgentIdentity,
  loadRunIdentity,
  renewAgent,
  startAgentRuntime,
} from '@openpta/agent';
import { pino } from 'pino';
import WebSocket from 'ws';
import { until } from '../../../scripts/testing/until.ts';
import { startConnectProxy } from '../../agent/test/channel-support/connect-proxy.ts';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { getAgentRegistry } from '../src/agent-channel/index.ts';
import { createLogger } from '../src/observability/logger.ts';

const ALICE = { upn: 'alice@corp.example.test', password: 'Alice-Pass-1' };

async function startStack(name: string, agentIdentity?: { certificateValidityMs: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), `openpta-renewal-${name}-`));
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const stack = await startDemoStack({
    dataDir,
    port: 0,
    rpPort: 0,
    agentHealthPort: false,
    logger: createLogger('debug', destination),
    ...(agentIdentity === undefined ? {} : { agentIdentity }),
  });
  await stack.agent.client.whenConnected();
  const count = (msg: string, extra: (l: Record<string, unknown>) => boolean = () => true) =>
    lines.filter((l) => l.msg === msg && extra(l)).length;
  return { stack, dataDir, lines, count };
}

/** Opens the agent WebSocket with a given client certificate; resolves with the refusal (status, close code). */
function tryConnect(stack: DemoStack, cert: string, key: string): Promise<{ status: number; closeCode: string }> {
  const url = `${stack.cloud.ctx.config.publicUrl.replace(/^https/, 'wss')}/agent/v1/connect`;
  const ws = new WebSocket(url, { cert, key, ca: readFileSync(stack.caFile, 'utf8') });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, closeCode: String(res.headers['x-openpta-close-code']) });
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the old certificate was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

describe('a running agent renews its certificate by itself and keeps serving', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  before(async () => {
    // renewAfter = 2/3 of the validity: the first renewal comes about 4 s after registration.
    s = await startStack('auto', { certificateValidityMs: 6_000 });
  });
  after(async () => {
    await s?.stack.close();
    if (s) rmSync(s.dataDir, { recursive: true, force: true });
  });

  test('sign-ins before, during and after the renewal succeed; the old certificate is refused', async () => {
    const { stack } = s;
    const verify = () =>
      stack.channel.verifier.verifyPassword({
        tenantId: stack.tenant.id,
        username: ALICE.upn,
        password: ALICE.password,
        correlationId: 'renewal',
      });
    const before = loadAgentIdentity(stack.stateDir);
    assert.equal((await verify()).outcome, 'ok');

    const registry = getAgentRegistry(stack.cloud.ctx);
    const renewed: string[] = [];
    const unsubscribe = registry.events.onRenewed((e) => renewed.push(e.encryptionKid));
    // Sign-ins without pause while the agent renews and reconnects.
    const outcomes: string[] = [];
    let running = true;
    const load = (async () => {
      while (running) outcomes.push((await verify()).outcome);
    })();
    try {
      await until(() => renewed.length >= 1, 'the automatic renewal');
      // The new connection (new certificate) is up and the old one closed: one connection, not retiring.
      await until(
        () => s.count('agent connected') >= 2 && stack.channel.gateway.connectionCount() === 1,
        'the reconnection with the new certificate',
      );
      const n = outcomes.length;
      await until(() => outcomes.length >= n + 5, 'sign-ins after the reconnection');
    } finally {
      running = false;
      await load;
      unsubscribe();
    }
    assert.ok(outcomes.length > 5);
    assert.deepEqual(
      outcomes.filter((o) => o !== 'ok'),
      [],
      'every sign-in across the renewal succeeded',
    );

    const afterRenewal = loadAgentIdentity(stack.stateDir);
    assert.notEqual(afterRenewal.certificatePem, before.certificatePem);
    assert.notEqual(afterRenewal.state.encryptionKid, before.state.encryptionKid);
    assert.ok(renewed.includes(afterRenewal.state.encryptionKid) || renewed.length > 1);
    assert.notEqual(stack.agent.client.state, 'terminal');
    assert.equal((await verify()).outcome, 'ok');
    // The expiry metric follows the renewals (operators alert on it).
    const expiry = await stack.agent.registry.getSingleMetric('openpta_agent_certificate_not_after_seconds')?.get();
    assert.ok((expiry?.values[0]?.value ?? 0) * 1000 > before.certificateNotAfter);

    // The superseded certificate no longer opens a connection (401, close code 4002).
    assert.deepEqual(await tryConnect(stack, before.certificatePem, before.privateKeyPem), {
      status: 401,
      closeCode: '4002',
    });
    // The old connection was drained (reconnect frame), not cut with 4011.
    assert.ok(s.count('the agent disconnected while validating: directory_error') === 0);
    assert.ok(
      s.lines.some((l) => l.msg === 'renewed agent asked to reconnect' && l.connections === 1),
      'the cloud sent the reconnect hint',
    );
    const view = await registry.get(before.agentId);
    assert.ok(view?.renewedAt);
  });
});

describe('a renewal while a request is in flight drains the connection instead of cutting it', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  before(async () => {
    s = await startStack('inflight');
  });
  after(async () => {
    await s?.stack.close();
    if (s) rmSync(s.dataDir, { recursive: true, force: true });
  });

  test('the in-flight sign-in finishes ok on the old connection; the agent reconnects with the new certificate', async () => {
    const { stack } = s;
    const directory = stack.directory;
    assert.ok(directory);
    const verify = () =>
      stack.channel.verifier.verifyPassword({
        tenantId: stack.tenant.id,
        username: ALICE.upn,
        password: ALICE.password,
        correlationId: 'renewal-inflight',
      });
    const before = loadAgentIdentity(stack.stateDir);
    directory.faults.setLatency(1500, ['bind']);
    const inFlight = verify();
    await until(() => stack.channel.gateway.dispatcher.inFlight() === 1, 'the request to be taken');
    // As `openpta agent renew` would, from outside the running agent.
    await renewAgent({ stateDir: stack.stateDir });
    const result = await inFlight;
    directory.faults.reset();
    assert.equal(result.outcome, 'ok', 'the request taken before the renewal finished on the old connection');

    await until(
      () => s.count('agent connected') >= 2 && stack.channel.gateway.connectionCount() === 1,
      'the reconnection with the new certificate',
    );
    assert.equal((await verify()).outcome, 'ok');
    assert.notEqual(stack.agent.client.state, 'terminal');
    assert.notEqual(loadAgentIdentity(stack.stateDir).certificatePem, before.certificatePem);
    // Drained: the agent closed the old connection itself (normal closure), the cloud never cut it with 4011.
    assert.equal(
      s.count('closing agent connection', (l) => l.closeCode === 4011),
      0,
    );
    assert.ok(s.lines.some((l) => l.msg === 'agent disconnected' && l.closeCode === 1000));
    assert.ok(s.lines.some((l) => l.msg === 'reconnecting: this connection takes no new request'));
  });
});

describe('renewal goes the same way out as the channel (cloud.proxy)', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  before(async () => {
    s = await startStack('proxy', { certificateValidityMs: 6_000 });
    // The demo's agent connects directly: replace it by one that must use the proxy.
    await s.stack.agent.stop();
  });
  after(async () => {
    await s?.stack.close();
    if (s) rmSync(s.dataDir, { recursive: true, force: true });
  });

  test('an agent configured with cloud.proxy renews through the proxy and reconnects through it', async () => {
    const { stack } = s;
    const directory = stack.directory;
    assert.ok(directory);
    const proxy = await startConnectProxy();
    const registry = getAgentRegistry(stack.cloud.ctx);
    let tunnelsAtRenewal: number | undefined;
    const unsubscribe = registry.events.onRenewed(() => {
      tunnelsAtRenewal ??= proxy.tunnels.length;
    });
    const runtime = await startAgentRuntime({
      config: agentRunConfigSchema.parse({
        directory: {
          dcs: [{ url: directory.ldapsUrl, serverName: directory.hostname }],
          baseDn: directory.baseDn,
          tls: { mode: 'ldaps', caFile: join(s.dataDir, 'trial-directory-ca.pem') },
        },
        cloud: { proxy: proxy.url },
        health: { port: false },
        log: { level: 'silent' },
      }),
      identity: loadRunIdentity(stack.stateDir),
      logger: pino({ level: 'silent' }),
    });
    try {
      await runtime.client.whenConnected();
      assert.equal(proxy.tunnels.length, 1, 'the channel went through the proxy');
      await until(() => tunnelsAtRenewal !== undefined, 'the automatic renewal');
      assert.equal(tunnelsAtRenewal, 2, 'the renewal request went through the proxy too');
      await until(() => proxy.tunnels.length >= 3 && runtime.client.state === 'connected', 'the reconnection');
      const r = await stack.channel.verifier.verifyPassword({
        tenantId: stack.tenant.id,
        username: ALICE.upn,
        password: ALICE.password,
        correlationId: 'renewal-proxy',
      });
      assert.equal(r.outcome, 'ok');
    } finally {
      unsubscribe();
      await runtime.stop();
      await proxy.close();
    }
  });
});
