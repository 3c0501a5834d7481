/**
 * Two cloud nodes on one database (one SQLite file, one data directory): an agent connected to node B is revoked or
 * renewed through node A. Node A has no connection to cut, so node B must learn it from the store: its periodic
 * re-check of connected agents (here every 100 ms instead of 30 s) drains a connection whose certificate was
 * superseded (the agent reconnects to B with its new certificate and keeps serving) and cuts a revoked agent's
 * connection with 4003 (the agent stops reconnecting).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentRuntime,
  agentRunConfigSchema,
  loadAgentIdentity,
  loadRunIdentity,
  registerAgent,
  renewAgent,
  startAgentRuntime,
} from '@openpta/agent';
import { DEMO_USERS_FILE, startTrialDirectory, type TrialDirectory } from '@openpta/trial-directory';
import { pino } from 'pino';
import { until } from '../../../scripts/testing/until.ts';
import {
  type AgentChannel,
  agentIdentityPlugin,
  createAgentChannel,
  getAgentRegistry,
} from '../src/agent-channel/index.ts';
import { loadCloudConfig } from '../src/config/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { type RunningCloud, startCloud } from '../src/start.ts';

const ALICE = { upn: 'alice@corp.example.test', password: 'Alice-Pass-1' };

let dir: string;
let directory: TrialDirectory;
const nodes: { cloud: RunningCloud; channel: AgentChannel }[] = [];
const agents: AgentRuntime[] = [];
let tenantId: string;

async function startNode(): Promise<{ cloud: RunningCloud; channel: AgentChannel }> {
  const channel = createAgentChannel({ recheckIntervalMs: 100, renewalReconnectDelayMs: 0 });
  const config = loadCloudConfig({ flags: { dataDir: join(dir, 'cloud'), port: 0, logLevel: 'silent' }, env: {} });
  const cloud = await startCloud(config, {
    logger: createLogger('silent'),
    credentialVerifier: channel.verifier,
    plugins: [agentIdentityPlugin(), channel.plugin],
    announce: () => {},
  });
  const node = { cloud, channel };
  nodes.push(node);
  return node;
}

/** Registers an agent through node A and runs it connected to node B. */
async function startAgentOn(
  a: RunningCloud,
  b: RunningCloud,
  name: string,
): Promise<{ runtime: AgentRuntime; stateDir: string }> {
  const stateDir = join(dir, name);
  const token = await getAgentRegistry(a.ctx).createRegistrationToken({ tenantId, actor: 'test' });
  await registerAgent({
    cloudUrl: a.ctx.config.publicUrl,
    token: token.token,
    stateDir,
    cloudCaPem: readFileSync(a.ctx.tls.caFile!, 'utf8'),
    name,
    agentVersion: 'test',
  });
  const caFile = join(dir, 'directory-ca.pem');
  writeFileSync(caFile, directory.caPem ?? '');
  const runtime = await startAgentRuntime({
    config: agentRunConfigSchema.parse({
      directory: {
        dcs: [{ url: directory.ldapsUrl, serverName: directory.hostname }],
        baseDn: directory.baseDn,
        tls: { mode: 'ldaps', caFile },
      },
      cloud: { url: `${b.ctx.config.publicUrl.replace(/^https/, 'wss')}/agent/v1/connect`, proxy: false },
      health: { port: false },
      log: { level: 'silent' },
    }),
    identity: loadRunIdentity(stateDir),
    logger: pino({ level: 'silent' }),
  });
  agents.push(runtime);
  await runtime.client.whenConnected();
  return { runtime, stateDir };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openpta-two-nodes-'));
  directory = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: pino({ level: 'silent' }) });
  const a = await startNode();
  await startNode();
  const tenant = await a.cloud.ctx.services.tenants.create({
    name: 'twonodes',
    displayName: 'Two nodes',
    domains: ['corp.example.test'],
  });
  tenantId = tenant.id;
});

after(async () => {
  for (const agent of agents) await agent.stop();
  for (const node of nodes) await node.cloud.close();
  await directory?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const verifyOn = (node: { channel: AgentChannel }) =>
  node.channel.verifier.verifyPassword({
    tenantId,
    username: ALICE.upn,
    password: ALICE.password,
    correlationId: 'two-nodes',
  });

test('a renewal through node A drains the connection held by node B; the agent reconnects and keeps serving', async () => {
  const [a, b] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
  const { runtime, stateDir } = await startAgentOn(a.cloud, b.cloud, 'renewed-agent');
  assert.equal((await verifyOn(b)).outcome, 'ok');
  const before = loadAgentIdentity(stateDir);
  const fingerprintsBefore = b.channel.gateway.connectedIdentities().map((c) => c.certificateFingerprint);
  // The renewal goes to node A (the agent's registered cloud URL): node A holds no connection of this agent.
  await renewAgent({ stateDir });
  assert.equal(a.channel.gateway.connectionCount(), 0);
  await until(() => {
    const live = b.channel.gateway.connectedIdentities();
    return live.length === 1 && !live[0]!.retiring && !fingerprintsBefore.includes(live[0]!.certificateFingerprint);
  }, 'node B to drain the superseded connection and accept the new certificate');
  assert.notEqual(loadAgentIdentity(stateDir).certificatePem, before.certificatePem);
  assert.equal((await verifyOn(b)).outcome, 'ok');
  assert.notEqual(runtime.client.state, 'terminal');
});

test('a revocation through node A cuts the connection held by node B (4003: the agent stops)', async () => {
  const [a, b] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
  const { runtime } = await startAgentOn(a.cloud, b.cloud, 'revoked-agent');
  const agentId = runtime.client.identity?.agentId;
  assert.ok(agentId);
  assert.ok(b.channel.gateway.connectedIdentities().some((c) => c.agentId === agentId));
  await getAgentRegistry(a.cloud.ctx).revoke(agentId, 'test');
  await until(() => runtime.client.state === 'terminal', 'node B to cut the revoked agent');
  assert.ok(!b.channel.gateway.connectedIdentities().some((c) => c.agentId === agentId));
});
