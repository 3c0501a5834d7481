/**
 * `openpta agent run` as a process renews its own certificate: with a cloud that issues certificates valid for six
 * seconds, the agent renews after four, reconnects with the new certificate and keeps validating; the old
 * certificate is refused from then on; the expiry metric follows; SIGTERM still stops it cleanly (exit 0).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadAgentIdentity, registerAgent } from '@openpta/agent';
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
import WebSocket from 'ws';
import { until } from '../../../scripts/testing/until.ts';

const silent = pino({ level: 'silent' });
let dir: string;
let cloud: RunningCloud;
let directory: TrialDirectory;
const channel = createAgentChannel({ requestTimeoutMs: 10_000 });
let tenantId: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openpta-agent-run-renewal-'));
  directory = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: silent });
  const config = loadCloudConfig({ flags: { dataDir: join(dir, 'cloud'), host: '127.0.0.1', port: '0' }, env: {} });
  cloud = await startCloud(config, {
    logger: silent,
    credentialVerifier: channel.verifier,
    plugins: [agentIdentityPlugin({ settings: { certificateValidityMs: 6_000 } }), channel.plugin],
    announce: () => {},
  });
  tenantId = (await cloud.ctx.services.tenants.create({ name: 'renew', domains: ['corp.example.test'] })).id;
});

after(async () => {
  await cloud?.close();
  await directory?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('agent run renews by itself, reconnects with the new certificate and keeps serving', async () => {
  const stateDir = join(dir, 'agent');
  const token = await getAgentRegistry(cloud.ctx).createRegistrationToken({ tenantId, actor: 'test' });
  await registerAgent({
    cloudUrl: cloud.ctx.config.publicUrl,
    token: token.token,
    stateDir,
    cloudCaPem: readFileSync(cloud.ctx.tls.caFile!, 'utf8'),
    agentVersion: 'test',
    name: 'renewing',
  });
  const caFile = join(dir, 'directory-ca.pem');
  writeFileSync(caFile, directory.caPem ?? '');
  const configFile = join(dir, 'agent.yaml');
  writeFileSync(
    configFile,
    [
      'directory:',
      `  dcs: [{ url: "${directory.ldapsUrl}", serverName: "${directory.hostname}" }]`,
      `  baseDn: "${directory.baseDn}"`,
      `  tls: { mode: ldaps, caFile: "${caFile}" }`,
      'cloud: { proxy: false }',
      'health: { port: 0 }',
      'log: { level: info }',
    ].join('\n'),
  );
  const before = loadAgentIdentity(stateDir);
  const renewed: string[] = [];
  const unsubscribe = getAgentRegistry(cloud.ctx).events.onRenewed((e) => renewed.push(e.agentId));
  const child = spawn(
    process.execPath,
    ['packages/cli/src/main.ts', 'agent', 'run', '--state-dir', stateDir, '--config', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  try {
    const verify = () =>
      channel.verifier.verifyPassword({
        tenantId,
        username: 'alice@corp.example.test',
        password: 'Alice-Pass-1',
        correlationId: 'agent-run-renewal',
      });
    // Eligible = said hello and was welcomed (a connection exists from the upgrade on, before that).
    await until(() => channel.gateway.dispatcher.eligibleAgents(tenantId).length === 1, 'the agent to connect');
    assert.equal((await verify()).outcome, 'ok');

    await until(() => renewed.length >= 1, 'the renewal by the running agent');
    const fresh = () => loadAgentIdentity(stateDir).certificatePem !== before.certificatePem;
    await until(() => {
      const live = channel.gateway.connectedIdentities();
      return (
        fresh() &&
        live.length === 1 &&
        !live[0]!.retiring &&
        channel.gateway.dispatcher.eligibleAgents(tenantId).length === 1
      );
    }, 'the reconnection with the new certificate');
    assert.equal((await verify()).outcome, 'ok');
    assert.match(stdout, /agent certificate and encryption key renewed/);

    // The old certificate is refused at the upgrade (401, close code 4002).
    const refusal = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${cloud.ctx.config.publicUrl.replace(/^https/, 'wss')}/agent/v1/connect`, {
        cert: before.certificatePem,
        key: before.privateKeyPem,
        ca: readFileSync(cloud.ctx.tls.caFile!, 'utf8'),
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(Number(res.headers['x-openpta-close-code']));
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the superseded certificate was accepted')));
      ws.on('error', () => undefined);
    });
    assert.equal(refusal, 4002);

    const healthUrl = /health and metrics on (http:\/\/\S+)/.exec(stderr)?.[1];
    assert.ok(healthUrl, stderr);
    const metrics = await (await fetch(`${healthUrl}/metrics`)).text();
    const expiry = Number(/^openpta_agent_certificate_not_after_seconds (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(expiry * 1000 > before.certificateNotAfter, `metric ${expiry}`);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    unsubscribe();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
