/**
 * What the gateway reports to the agents registry, and how the registry writes it: an agent with new counters gets
 * its own update; an idle agent that only answered a heartbeat is marked seen in one batched statement per tenant;
 * an idle agent with nothing new is not reported at all (10,000 idle agents would otherwise cost 1,000 UPDATEs a
 * second at the default flush of 10 s).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Outcome } from '@openpta/protocol';
import { until } from '../../../scripts/testing/until.ts';
import { agentIdentityPlugin, createAgentChannel, getAgentRegistry } from '../src/agent-channel/index.ts';
import { loadCloudConfig } from '../src/config/index.ts';
import { createLogger } from '../src/observability/index.ts';
import { startCloud } from '../src/start.ts';
import type { AgentsTable } from '../src/store/schema.ts';
import { type ChannelCloud, startChannelCloud } from './agent-channel-support/harness.ts';
import { startTestAgent, type TestAgent } from './agent-channel-support/test-agent.ts';

const PASSWORD = 'Corr3ct-Horse-Battery!';
const directory = new Map<string, readonly [string, Outcome]>([['alice@corp.example.test', [PASSWORD, 'ok']]]);

describe('agent activity reports', () => {
  let cloud: ChannelCloud;
  let agent: TestAgent;
  before(async () => {
    // Heartbeats every 100 ms: an idle agent's lastSeen moves at each pong.
    cloud = await startChannelCloud({ requestTimeoutMs: 5000, heartbeatIntervalMs: 100 });
    const reg = await cloud.registerAgent('a-idle', 'tenant-idle');
    agent = startTestAgent({ url: cloud.url, ca: cloud.pki.caCert, agent: reg, directory });
    await agent.client.whenConnected();
  });
  after(async () => {
    await agent?.stop();
    await cloud?.close();
  });
  const mine = () => cloud.activity.filter((a) => a.agentId === 'a-idle');

  test('the first report is a full one; then an idle agent is reported as seen only, with a later lastSeen', async () => {
    await until(() => mine().some((a) => !a.changed), 'a seen-only report after a heartbeat');
    const [first] = mine();
    assert.equal(first?.changed, true, 'the first report carries version and host');
    assert.equal(first?.connected, true);
    const seen = mine().filter((a) => !a.changed);
    for (const s of seen) {
      assert.deepEqual([s.connected, s.servedDelta, s.failedDelta, s.inFlight], [true, 0, 0, 0]);
      assert.ok(s.lastSeen > first!.lastSeen, 'reported again only because lastSeen moved');
    }
    const lastSeens = mine().map((a) => a.lastSeen);
    assert.equal(new Set(lastSeens).size, lastSeens.length, 'never the same lastSeen twice: no report without news');
  });

  test('a served request makes the next report a full one with the counter delta', async () => {
    const before = mine().length;
    const r = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-idle',
      username: 'alice@corp.example.test',
      password: PASSWORD,
      correlationId: 'activity-1',
    });
    assert.equal(r.outcome, 'ok');
    await until(
      () =>
        mine()
          .slice(before)
          .some((a) => a.changed && a.servedDelta === 1),
      'the served delta',
    );
  });
});

describe('agents registry: recordSeen', () => {
  test('marks the listed agents of that tenant connected and seen, with the oldest lastSeen of the batch, and nothing else', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openpta-seen-'));
    const channel = createAgentChannel();
    const cloudApp = await startCloud(
      loadCloudConfig({ flags: { dataDir, host: '127.0.0.1', port: '0', logLevel: 'silent' }, env: {} }),
      {
        logger: createLogger('silent'),
        credentialVerifier: channel.verifier,
        plugins: [agentIdentityPlugin(), channel.plugin],
        announce: () => {},
      },
    );
    try {
      const db = cloudApp.ctx.store.db;
      const tenantA = await cloudApp.ctx.services.tenants.create({ name: 'seen-a', domains: ['a.example.test'] });
      const tenantB = await cloudApp.ctx.services.tenants.create({ name: 'seen-b', domains: ['b.example.test'] });
      const row = (id: string, tenantId: string): AgentsTable => ({
        id,
        tenant_id: tenantId,
        name: id,
        hostname: 'host',
        agent_version: 'test',
        status: 'active',
        created_at: Date.now(),
        renewed_at: null,
        revoked_at: null,
        revoked_by: null,
        cert_serial: `serial-${id}`,
        cert_fingerprint: `fp-${id}`,
        cert_not_before: Date.now(),
        cert_not_after: Date.now() + 86_400_000,
        enc_kid: `kid-${id}`,
        enc_public_jwk: '{}',
        connected: 0,
        last_seen_at: 1000,
        remote_address: null,
        in_flight: 0,
        served_count: 0,
        failed_count: 0,
      });
      await db
        .insertInto('agents')
        .values([row('s1', tenantA.id), row('s2', tenantA.id), row('s3', tenantA.id), row('s4', tenantB.id)])
        .execute();
      await getAgentRegistry(cloudApp.ctx).recordSeen([
        { agentId: 's1', tenantId: tenantA.id, lastSeen: 5000 },
        { agentId: 's2', tenantId: tenantA.id, lastSeen: 4000 },
        // The wrong tenant for s4: not written.
        { agentId: 's4', tenantId: tenantA.id, lastSeen: 6000 },
      ]);
      const rows = await db.selectFrom('agents').select(['id', 'connected', 'last_seen_at']).orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => [r.id, r.connected, Number(r.last_seen_at)]),
        [
          ['s1', 1, 4000],
          ['s2', 1, 4000],
          ['s3', 0, 1000],
          ['s4', 0, 1000],
        ],
      );
    } finally {
      await cloudApp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
