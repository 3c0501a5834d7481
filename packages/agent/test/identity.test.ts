/**
 * Agent identity on the agent side against a real cloud (HTTPS, dev CA): automatic renewal on schedule, the terminal
 * stop after a revocation, and the state directory checks (modes, mismatched files, double registration).
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { agentIdentityPlugin } from '../../cloud/src/agent-channel/registration/index.ts';
import { startTestCloud, type TestCloud } from '../../cloud/test/helpers/cloud-fixture.ts';
import {
  type AgentIdentity,
  AgentIdentityError,
  loadAgentIdentity,
  registerAgent,
  renewAgent,
  scheduleRenewal,
  statePath,
} from '../src/identity/index.ts';
import { startConnectProxy } from './channel-support/connect-proxy.ts';

const API = '/admin/api/v1';
/** Short enough to watch a renewal happen, long enough that a busy machine renews before expiry. */
const VALIDITY_MS = 6000;

let t: TestCloud;
const root = mkdtempSync(join(tmpdir(), 'openpta-identity-'));
let dirCount = 0;

const quiet = { info() {}, warn() {}, error() {} };

async function registerNew(): Promise<string> {
  const dir = join(root, `state-${dirCount++}`);
  const res = await t.admin('POST', `${API}/tenants/contoso/agent-tokens`, {});
  assert.equal(res.status, 201, res.text);
  await registerAgent({ cloudUrl: t.cloud.adminUrl, token: res.json.token, stateDir: dir, agentVersion: 'test' });
  return dir;
}

before(async () => {
  t = await startTestCloud({ plugins: [agentIdentityPlugin({ settings: { certificateValidityMs: VALIDITY_MS } })] });
  const res = await t.admin('POST', `${API}/tenants`, { name: 'contoso', domains: ['contoso.test'] });
  assert.equal(res.status, 201, res.text);
});

after(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

describe('automatic renewal', () => {
  test('renews certificate and encryption key at renewAfter, and re-arms for the next one', async () => {
    const dir = await registerNew();
    const before = loadAgentIdentity(dir);
    const renewed = await new Promise<AgentIdentity>((resolve, reject) => {
      const schedule = scheduleRenewal({
        stateDir: dir,
        logger: quiet,
        onRenewed: (identity) => {
          schedule.close();
          resolve(identity);
        },
        onTerminal: (error) => {
          schedule.close();
          reject(error);
        },
      });
    });
    assert.equal(renewed.agentId, before.agentId);
    assert.notEqual(renewed.state.encryptionKid, before.state.encryptionKid);
    assert.notEqual(renewed.certificatePem, before.certificatePem);
    assert.ok(renewed.renewAfter > before.renewAfter);
    assert.ok(renewed.envelopeKeys.has(before.state.encryptionKid), 'the previous key is kept for its grace time');
    const listed = await t.admin('GET', `${API}/tenants/contoso/agents`);
    const agent = listed.json.agents.find((a: { id: string }) => a.id === before.agentId);
    assert.equal(agent.encryptionKid, renewed.state.encryptionKid, 'the cloud seals to the new key');
  });

  test('a revoked agent stops trying and reports that it must be re-registered', async () => {
    const dir = await registerNew();
    const { agentId } = loadAgentIdentity(dir);
    const revoked = await t.admin('POST', `${API}/agents/${agentId}/revoke`);
    assert.equal(revoked.status, 200);
    const error = await new Promise<Error>((resolve, reject) => {
      const schedule = scheduleRenewal({
        stateDir: dir,
        logger: quiet,
        retryMinMs: 100,
        onRenewed: () => {
          schedule.close();
          reject(new Error('a revoked agent renewed'));
        },
        onTerminal: (e) => {
          schedule.close();
          resolve(e);
        },
      });
    });
    assert.ok(error instanceof AgentIdentityError);
    assert.equal(error.reason, 'AGENT_REVOKED');
  });
});

describe('state directory', () => {
  test('refuses private keys that others can read, and files that do not belong together', async () => {
    const dir = await registerNew();
    assert.ok(loadAgentIdentity(dir).agentId);

    chmodSync(statePath(dir, 'encryptionKey'), 0o640);
    assert.throws(
      () => loadAgentIdentity(dir),
      (e: unknown) => e instanceof AgentIdentityError && e.code === 'STATE_DIR_INVALID' && /chmod 600/.test(e.message),
    );
    chmodSync(statePath(dir, 'encryptionKey'), 0o600);

    const other = await registerNew();
    writeFileSync(statePath(dir, 'certificate'), readFileSync(statePath(other, 'certificate')), { mode: 0o600 });
    assert.throws(() => loadAgentIdentity(dir), /does not match/);

    assert.throws(() => loadAgentIdentity(join(root, 'nowhere')), /register first/);
  });

  test('a renewal interrupted half-way (after its journal) is completed by the next load', async () => {
    const dir = await registerNew();
    const crashed = join(root, `state-${dirCount++}`);
    cpSync(dir, crashed, { recursive: true });
    const old = loadAgentIdentity(dir);
    const state = await renewAgent({ stateDir: dir });
    const read = (file: Parameters<typeof statePath>[1]) => readFileSync(statePath(dir, file), 'utf8');
    // The crashed copy: journal written, new TLS key written, then the process died (old certificate, old identity).
    writeFileSync(
      statePath(crashed, 'pendingRenewal'),
      JSON.stringify({
        tlsKeyPem: read('tlsKey'),
        certificatePem: read('certificate'),
        encryptionKeyPem: read('encryptionKey'),
        previousEncryptionKeyPem: read('previousEncryptionKey'),
        state,
      }),
      { mode: 0o600 },
    );
    writeFileSync(statePath(crashed, 'tlsKey'), read('tlsKey'), { mode: 0o600 });
    const loaded = loadAgentIdentity(crashed);
    assert.equal(loaded.certificatePem, read('certificate'));
    assert.deepEqual([...loaded.envelopeKeys.keys()].sort(), [old.state.encryptionKid, state.encryptionKid].sort());
    assert.equal(existsSync(statePath(crashed, 'pendingRenewal')), false, 'the journal is gone once applied');
    assert.equal(loadAgentIdentity(crashed).certificatePem, loaded.certificatePem);

    writeFileSync(statePath(crashed, 'pendingRenewal'), '{"not":"a journal"}', { mode: 0o600 });
    assert.throws(
      () => loadAgentIdentity(crashed),
      (e: unknown) => e instanceof AgentIdentityError && /renewal-pending.json is not a valid/.test(e.message),
    );
  });

  test('a registered state directory is never overwritten', async () => {
    const dir = await registerNew();
    const res = await t.admin('POST', `${API}/tenants/contoso/agent-tokens`, {});
    await assert.rejects(
      registerAgent({ cloudUrl: t.cloud.adminUrl, token: res.json.token, stateDir: dir, agentVersion: 'test' }),
      (e: unknown) => e instanceof AgentIdentityError && e.code === 'ALREADY_REGISTERED',
    );
  });
});

describe('through an HTTP CONNECT proxy', () => {
  test('registration (pin check included) and renewal go through the proxy; TLS stays end to end', async () => {
    const proxy = await startConnectProxy();
    try {
      const res = await t.admin('POST', `${API}/tenants/contoso/agent-tokens`, {});
      const dir = join(root, `state-${dirCount++}`);
      const port = new URL(t.cloud.adminUrl).port;
      await registerAgent({
        cloudUrl: t.cloud.adminUrl,
        token: res.json.token,
        stateDir: dir,
        agentVersion: 'test',
        proxyUrl: proxy.url,
      });
      assert.deepEqual(proxy.tunnels, [`localhost:${port}`, `localhost:${port}`], 'first contact, then the request');
      const before = loadAgentIdentity(dir);
      const renewed = await renewAgent({ stateDir: dir, proxyUrl: proxy.url });
      assert.notEqual(renewed.encryptionKid, before.state.encryptionKid);
      assert.equal(proxy.tunnels.length, 3);
    } finally {
      await proxy.close();
    }
  });

  test('a proxy that refuses the tunnel is reported as unreachable, not as a refusal by the cloud', async () => {
    const proxy = await startConnectProxy({ requireAuth: 'user:secret' });
    try {
      const res = await t.admin('POST', `${API}/tenants/contoso/agent-tokens`, {});
      await assert.rejects(
        registerAgent({
          cloudUrl: t.cloud.adminUrl,
          token: res.json.token,
          stateDir: join(root, `state-${dirCount++}`),
          agentVersion: 'test',
          proxyUrl: proxy.url,
        }),
        (e: unknown) => e instanceof AgentIdentityError && e.code === 'CLOUD_UNREACHABLE' && /proxy/.test(e.message),
      );
    } finally {
      await proxy.close();
    }
  });
});
