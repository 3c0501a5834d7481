/**
 * `openpta agent run` as a library (startAgentRuntime): the real agent — channel client, envelope opening, the
 * directory validator — against the trial directory, connected to a real mTLS gateway. Plus the agent's refusal of
 * tampered and replayed request frames, which must never reach the directory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateEnvelopeKeyPair, importEnvelopePublicKey, type Outcome, sealEnvelope } from '@openpta/protocol';
import { DEMO_USERS_FILE, startTrialDirectory, type TrialDirectory } from '@openpta/trial-directory';
import { pino } from 'pino';
import { type ChannelCloud, startChannelCloud } from '../../cloud/test/agent-channel-support/harness.ts';
import { type AgentRuntime, agentRunConfigSchema, createRequestHandler, startAgentRuntime } from '../src/index.ts';

const silent = pino({ level: 'silent' });

describe('agent run against the trial directory', () => {
  let cloud: ChannelCloud;
  let directory: TrialDirectory;
  let runtime: AgentRuntime;
  before(async () => {
    directory = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: silent });
    cloud = await startChannelCloud({ requestTimeoutMs: 5000 });
    const reg = await cloud.registerAgent('agent-run-1', 'tenant-run');
    const config = agentRunConfigSchema.parse({
      directory: {
        dcs: [{ url: directory.ldapsUrl, serverName: directory.hostname }],
        baseDn: directory.baseDn,
        tls: { mode: 'ldaps' },
      },
      cloud: { url: cloud.url, proxy: false, maxInFlight: 4 },
      health: { port: 0 },
    });
    // The trial directory's throwaway CA: the validator reads it from a file in production (tls.caFile).
    config.directory.tls.caFile = await writeTemp(directory.caPem ?? '');
    runtime = await startAgentRuntime({
      config,
      identity: {
        agentId: reg.agentId,
        tenantId: reg.tenantId,
        cloudUrl: cloud.url,
        certificatePem: reg.cert,
        privateKeyPem: reg.key,
        cloudCaPem: cloud.pki.caCert,
        envelopeKeys: new Map([[reg.envelopeKeys.kid, reg.envelopeKeys.privateKey]]),
      },
      logger: silent,
    });
    await runtime.client.whenConnected();
  });
  after(async () => {
    await runtime?.stop();
    await cloud?.close();
    await directory?.close();
  });

  const cases: [string, string, Outcome][] = [
    ['alice@corp.example.test', 'Alice-Pass-1', 'ok'],
    ['alice@corp.example.test', 'Wrong-Pass-9', 'invalid_credentials'],
    ['nobody@corp.example.test', 'Alice-Pass-1', 'invalid_credentials'],
    ['dave@corp.example.test', 'Dave-Pass-1', 'account_disabled'],
    ['mia@corp.example.test', 'Mia-Pass-1', 'password_must_change'],
    ['eve@corp.example.test', 'Eve-Pass-1', 'account_expired'],
    ['larry@corp.example.test', 'Larry-Pass-1', 'account_locked'],
    ['pete@corp.example.test', 'Pete-Pass-1', 'password_expired'],
    ['hank@corp.example.test', 'Hank-Pass-1', 'logon_hours'],
  ];
  for (const [username, password, expected] of cases) {
    test(`${username} with ${password === 'Wrong-Pass-9' ? 'a wrong' : 'the'} password: ${expected}`, async () => {
      const r = await cloud.verifier.verifyPassword({ tenantId: 'tenant-run', username, password, correlationId: 'c' });
      assert.equal(r.outcome, expected);
      assert.equal(r.agentId, 'agent-run-1');
      if (expected === 'ok') {
        assert.match(r.attributes?.objectGuid ?? '', /^[0-9a-f-]{36}$/);
        assert.equal(r.attributes?.upn, username);
      } else {
        assert.equal(r.attributes, undefined);
      }
    });
  }

  test('health, readiness and Prometheus metrics on the local port', async () => {
    assert.ok(runtime.healthUrl?.startsWith('http://127.0.0.1:'));
    const ready = await fetch(`${runtime.healthUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { cloud: string }).cloud, 'connected');
    const metrics = await (await fetch(`${runtime.healthUrl}/metrics`)).text();
    assert.match(metrics, /openpta_agent_cloud_connected 1/);
    assert.match(metrics, /openpta_agent_requests_total\{kind="validate",outcome="ok"\} [1-9]/);
  });
});

describe('agent request pipeline refuses tampered and replayed envelopes', () => {
  const keys = generateEnvelopeKeyPair();
  const recipient = { agentId: 'a1', key: importEnvelopePublicKey(keys.publicJwk) };
  const calls: string[] = [];
  const handler = createRequestHandler({
    agentId: 'a1',
    tenantId: 't1',
    envelopeKeys: new Map([[keys.kid, keys.privateKey]]),
    logger: silent,
    validator: {
      validate: async (username) => {
        calls.push(username);
        return { outcome: 'ok', elapsedMs: 1 };
      },
      changePassword: async (username) => {
        calls.push(username);
        return { outcome: 'ok', elapsedMs: 1 };
      },
    },
  });
  const seal = (requestId: string, tenantId = 't1', agentId = 'a1') =>
    sealEnvelope(
      { ...recipient, agentId },
      { requestId, tenantId, expiresAt: Date.now() + 60_000 },
      { purpose: 'validate', username: 'alice@corp.example.test', password: 'Alice-Pass-1' },
    );
  const frame = (requestId: string, envelope: string) =>
    ({ type: 'validate-request', requestId, envelope, expiresAt: Date.now() + 60_000 }) as const;
  const signal = new AbortController().signal;

  test('a genuine request is validated once; the same frame replayed is refused', async () => {
    const f = frame('r1', seal('r1'));
    const first = await handler(f, signal);
    assert.equal(first.type, 'validate-response');
    const replay = await handler(f, signal);
    assert.deepEqual([replay.type, replay.type === 'error' && replay.code], ['error', 'ENVELOPE_REPLAYED']);
    assert.deepEqual(calls, ['alice@corp.example.test']);
  });

  test('tampered ciphertext, another request id, tenant or agent: refused before any bind', async () => {
    calls.length = 0;
    const good = seal('r2');
    const parts = good.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = (ct[0] ?? 0) ^ 1;
    parts[3] = ct.toString('base64url');
    const tampered = await handler(frame('r2', parts.join('.')), signal);
    assert.equal(tampered.type === 'error' && tampered.code, 'ENVELOPE_DECRYPT_FAILED');
    const moved = await handler(frame('r3-other', seal('r3')), signal);
    assert.equal(moved.type === 'error' && moved.code, 'ENVELOPE_WRONG_REQUEST');
    const otherTenant = await handler(frame('r4', seal('r4', 't2')), signal);
    assert.equal(otherTenant.type === 'error' && otherTenant.code, 'ENVELOPE_WRONG_TENANT');
    const otherAgent = await handler(frame('r5', seal('r5', 't1', 'a2')), signal);
    assert.equal(otherAgent.type === 'error' && otherAgent.code, 'ENVELOPE_WRONG_AUDIENCE');
    assert.deepEqual(calls, []);
  });
});

async function writeTemp(text: string): Promise<string> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'openpta-agent-run-'));
  const file = join(dir, 'ca.pem');
  writeFileSync(file, text);
  return file;
}
