/**
 * `openpta agent run` as operators run it: two agent processes registered through the real API, connected to a real
 * cloud over mutual TLS, validating against the trial directory. One is killed with SIGKILL in the middle of a load:
 * requests it had taken fail cleanly (directory_error, never a wrong password), the rest are served by the other.
 * The survivor serves health and metrics on its local port and stops gracefully on SIGTERM (exit 0).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { registerAgent } from '@openpta/agent';
import {
  agentIdentityPlugin,
  createAgentChannel,
  getAgentRegistry,
  loadCloudConfig,
  type RunningCloud,
  startCloud,
} from '@openpta/cloud';
import { DEMO_USERS_FILE, startTrialDirectory, type TrialDirectory } from '@openpta/trial-directory';
import { pino } from 'pino';
import { until } from '../../../scripts/testing/until.ts';

const silent = pino({ level: 'silent' });
let dir: string;
let cloud: RunningCloud;
let directory: TrialDirectory;
const channel = createAgentChannel({ requestTimeoutMs: 10_000 });
let tenantId: string;
const agents: { child: ChildProcess; stderr: string; stdout: string }[] = [];

async function startAgentProcess(name: string): Promise<(typeof agents)[number]> {
  const stateDir = join(dir, name);
  const token = await getAgentRegistry(cloud.ctx).createRegistrationToken({ tenantId, actor: 'test' });
  await registerAgent({
    cloudUrl: cloud.ctx.config.publicUrl,
    token: token.token,
    stateDir,
    cloudCaPem: readFileSync(cloud.ctx.tls.caFile!, 'utf8'),
    agentVersion: 'test',
    name,
  });
  const caFile = join(dir, `${name}-directory-ca.pem`);
  writeFileSync(caFile, directory.caPem ?? '');
  const configFile = join(dir, `${name}.yaml`);
  writeFileSync(
    configFile,
    [
      'directory:',
      `  dcs: [{ url: "${directory.ldapsUrl}", serverName: "${directory.hostname}" }]`,
      `  baseDn: "${directory.baseDn}"`,
      `  tls: { mode: ldaps, caFile: "${caFile}" }`,
      'cloud: { proxy: false, maxInFlight: 4 }',
      'health: { port: 0 }',
      'log: { level: info }',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    ['packages/cli/src/main.ts', 'agent', 'run', '--state-dir', stateDir, '--config', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const entry = { child, stderr: '', stdout: '' };
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    entry.stderr += c;
  });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    entry.stdout += c;
  });
  agents.push(entry);
  return entry;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openpta-agent-run-'));
  directory = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: silent });
  const config = loadCloudConfig({ flags: { dataDir: join(dir, 'cloud'), host: '127.0.0.1', port: '0' }, env: {} });
  cloud = await startCloud(config, {
    logger: silent,
    credentialVerifier: channel.verifier,
    plugins: [agentIdentityPlugin(), channel.plugin],
    announce: () => {},
  });
  tenantId = (await cloud.ctx.services.tenants.create({ name: 'run', domains: ['corp.example.test'] })).id;
});

after(async () => {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  await cloud?.close();
  await directory?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two agent processes share the load; one killed mid-run; the survivor serves health and stops on SIGTERM', async () => {
  const a = await startAgentProcess('agent-a');
  const b = await startAgentProcess('agent-b');
  await until(() => channel.gateway.dispatcher.eligibleAgents(tenantId).length === 2, 'both agents connected');
  // Slow binds so that requests are in flight when agent A dies.
  directory.faults.setLatency(100, ['bind']);
  const verify = () =>
    channel.verifier.verifyPassword({
      tenantId,
      username: 'alice@corp.example.test',
      password: 'Alice-Pass-1',
      correlationId: 'agent-run',
    });
  const first = Array.from({ length: 24 }, verify);
  await until(() => channel.gateway.dispatcher.inFlight() >= 6, 'requests in flight on both agents');
  a.child.kill('SIGKILL');
  const results = await Promise.all(first);
  directory.faults.setLatency(0);
  const outcomes = results.map((r) => r.outcome);
  // Whatever A had taken failed cleanly; nothing was reported as a wrong password; B served the rest.
  assert.ok(
    outcomes.every((o) => o === 'ok' || o === 'directory_error'),
    outcomes.join(','),
  );
  assert.ok(outcomes.includes('ok'));
  assert.ok(results.some((r) => r.outcome === 'ok' && r.agentId !== undefined));
  const after = await Promise.all(Array.from({ length: 8 }, verify));
  assert.ok(after.every((r) => r.outcome === 'ok'));
  assert.equal(new Set(after.map((r) => r.agentId)).size, 1);

  const healthUrl = /health and metrics on (http:\/\/\S+)/.exec(b.stderr)?.[1];
  assert.ok(healthUrl, b.stderr);
  const ready = await fetch(`${healthUrl}/readyz`);
  assert.equal(ready.status, 200);
  const metrics = await (await fetch(`${healthUrl}/metrics`)).text();
  assert.match(metrics, /openpta_agent_requests_total\{kind="validate",outcome="ok"\} \d+/);
  // JSON log lines, and no password in them.
  const lines = b.stdout.trim().split('\n');
  assert.ok(lines.length > 0 && lines.every((l) => l.startsWith('{')));
  assert.ok(!b.stdout.includes('Alice-Pass-1'));

  const exited = new Promise<number | null>((resolve) => b.child.once('exit', (code) => resolve(code)));
  b.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  await until(() => channel.gateway.connectionCount() === 0, 'cloud to see the agent gone');
  assert.equal((await verify()).outcome, 'agent_unavailable');
});
