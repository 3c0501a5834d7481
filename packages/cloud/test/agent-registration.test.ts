/**
 * Agent identity end to end: a real cloud over HTTPS (dev CA), the real agent registration client (first-contact CA
 * pin, CSR, mutual TLS renewal) and a state directory on disk. Covers tokens (good, reused, expired, wrong tenant,
 * tampered), the impostor check, revocation, renewal and the files' modes.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openEnvelope, sealEnvelope } from '@openpta/protocol';
import {
  AgentIdentityError,
  loadAgentIdentity,
  registerAgent,
  renewAgent,
  statePath,
} from '../../agent/src/identity/index.ts';
import { verifyAgentCsr } from '../src/agent-channel/pki/index.ts';
import { x509 } from '../src/agent-channel/pki/x509-setup.ts';
import {
  agentIdentityPlugin,
  CONNECTED_MARK_TRUSTED_MS,
  getAgentRegistry,
} from '../src/agent-channel/registration/index.ts';
import { ensureDevCertificates } from '../src/tls/index.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud-fixture.ts';
import { captureLogs } from './helpers/log-capture.ts';

const API = '/admin/api/v1';
const MINUTE = 60_000;
const VALIDITY = 30 * MINUTE;

let clock = Date.now();
const now = () => clock;
let t: TestCloud;
const logs = captureLogs('debug');
const dirs: string[] = [];

function stateDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'openpta-agent-')), 'state');
  dirs.push(dir);
  return dir;
}

async function token(tenant = 'contoso', ttlSeconds?: number): Promise<string> {
  const res = await t.admin('POST', `${API}/tenants/${tenant}/agent-tokens`, ttlSeconds ? { ttlSeconds } : {});
  assert.equal(res.status, 201, res.text);
  return res.json.token as string;
}

function register(tokenValue: string, extra: Partial<Parameters<typeof registerAgent>[0]> = {}) {
  return registerAgent({
    cloudUrl: t.cloud.adminUrl,
    token: tokenValue,
    stateDir: stateDir(),
    agentVersion: '0.1.0-test',
    hostname: 'agent-host-1',
    now,
    ...extra,
  });
}

async function refusal(promise: Promise<unknown>): Promise<AgentIdentityError> {
  const error = await promise.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof AgentIdentityError, String(error));
  return error;
}

before(async () => {
  t = await startTestCloud({
    plugins: [agentIdentityPlugin({ settings: { certificateValidityMs: VALIDITY }, now })],
    logger: logs.logger,
  });
  for (const [name, domain] of [
    ['contoso', 'contoso.test'],
    ['fabrikam', 'fabrikam.test'],
  ]) {
    const res = await t.admin('POST', `${API}/tenants`, { name, domains: [domain] });
    assert.equal(res.status, 201, res.text);
  }
});

after(async () => {
  await t.close();
  for (const dir of dirs) rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('registration', () => {
  test('admin creates a token that carries the cloud CA pin; only its hash is stored', async () => {
    const res = await t.admin('POST', `${API}/tenants/contoso/agent-tokens`, { ttlSeconds: 600 });
    assert.equal(res.status, 201);
    const value = res.json.token as string;
    assert.match(value, /^optk1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const ca = new X509Certificate(t.ca);
    assert.equal(res.json.caFingerprint, `sha256:${ca.fingerprint256}`);
    assert.equal(value.split('.')[3], Buffer.from(ca.fingerprint256.replaceAll(':', ''), 'hex').toString('base64url'));
    const rows = await t.cloud.store.db.selectFrom('agent_registration_tokens').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(value.split('.')[2]!), 'the secret is not stored');
    const unauthorized = await t.http('POST', `${API}/tenants/contoso/agent-tokens`, { body: {} });
    assert.equal(unauthorized.status, 401);
  });

  test('a good token registers: client certificate for tenant + agent, keys 0600, audit event', async () => {
    const dir = stateDir();
    const state = await register(await token(), { stateDir: dir });
    const tenant = await t.cloud.ctx.services.tenants.requireByName('contoso');
    assert.equal(state.tenantId, tenant.id);

    const cert = new X509Certificate(readFileSync(statePath(dir, 'certificate')));
    assert.equal(cert.subjectAltName, `URI:urn:openpta:agent:${tenant.id}:${state.agentId}`);
    assert.match(cert.subject, new RegExp(`CN=${state.agentId}`));
    assert.match(cert.subject, new RegExp(`OU=${tenant.id}`));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'clientAuth only');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ed25519', 'new agents get Ed25519 TLS keys');
    // X.509 times have one-second precision.
    assert.equal(cert.validToDate.getTime(), Math.floor((clock + VALIDITY) / 1000) * 1000, 'validity as configured');
    assert.ok(Math.abs(state.renewAfter - (clock + (2 / 3) * VALIDITY)) < 1000, 'renew at 2/3 of the validity');

    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const file of readdirSync(dir)) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    // The pinned cloud CA is saved for later connections.
    assert.equal(
      new X509Certificate(readFileSync(statePath(dir, 'cloudCa'))).fingerprint256,
      new X509Certificate(t.ca).fingerprint256,
    );

    const identity = loadAgentIdentity(dir, clock);
    assert.equal(identity.cloudUrl, `${t.cloud.adminUrl.replace('https:', 'wss:')}/agent/v1/connect`);
    assert.deepEqual([...identity.envelopeKeys.keys()], [state.encryptionKid]);

    const events = await t.cloud.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'agent.register')
      .where('target', '=', `agent:${state.agentId}`)
      .execute();
    assert.equal(events.length, 1);

    const list = await t.admin('GET', `${API}/tenants/contoso/agents`);
    const listed = list.json.agents.find((a: { id: string }) => a.id === state.agentId);
    assert.equal(listed.hostname, 'agent-host-1');
    assert.equal(listed.version, '0.1.0-test');
    assert.equal(listed.status, 'inactive', 'registered but never connected');
    assert.equal(listed.certificateExpiresAt, new Date(state.certificateNotAfter).toISOString());
    assert.deepEqual([listed.inFlight, listed.served, listed.failed], [0, 0, 0]);
  });

  test('a token works once', async () => {
    const value = await token();
    await register(value);
    const error = await refusal(register(value));
    assert.equal(error.reason, 'TOKEN_USED');
    assert.equal(error.status, 401);
  });

  test('concurrent registrations with one token: exactly one wins', async () => {
    const value = await token();
    const results = await Promise.allSettled([register(value), register(value), register(value)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  test('an expired token is refused', async () => {
    const value = await token('contoso', 60);
    clock += 61_000;
    try {
      const error = await refusal(register(value));
      assert.equal(error.reason, 'TOKEN_EXPIRED');
    } finally {
      clock -= 61_000;
    }
  });

  test("another tenant's token is refused, and is not used up", async () => {
    const value = await token('fabrikam');
    const error = await refusal(register(value, { tenant: 'contoso' }));
    assert.equal(error.reason, 'TOKEN_WRONG_TENANT');
    assert.equal(error.status, 403);
    const state = await register(value, { tenant: 'fabrikam' });
    assert.equal(state.tenantId, (await t.cloud.ctx.services.tenants.requireByName('fabrikam')).id);
  });

  test('a tampered or unknown token is refused without revealing which part was wrong', async () => {
    const value = await token();
    const [prefix, id, secret, pin] = value.split('.') as [string, string, string, string];
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const otherId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${prefix}.${id}.${otherSecret}.${pin}`, `${prefix}.${otherId}.${secret}.${pin}`]) {
      const error = await refusal(register(bad));
      assert.equal(error.reason, 'TOKEN_INVALID');
    }
    assert.equal((await refusal(register('optk1.nonsense'))).code, 'TOKEN_MALFORMED');
  });
});

describe('trust bootstrap', () => {
  test('an impostor with another CA is refused before anything is sent', async () => {
    const impostorDir = stateDir();
    const impostorTls = await ensureDevCertificates(join(impostorDir, '..', 'impostor-tls'));
    let connections = 0;
    let requests = 0;
    const impostor = createHttpsServer({ cert: impostorTls.cert, key: impostorTls.key }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    impostor.on('connection', () => connections++);
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const address = impostor.address() as { port: number };
      const value = await token();
      const error = await refusal(
        register(value, { cloudUrl: `https://localhost:${address.port}`, stateDir: impostorDir }),
      );
      assert.equal(error.code, 'CLOUD_PIN_MISMATCH');
      assert.equal(connections, 1, 'the agent connected');
      assert.equal(requests, 0, 'and sent nothing: not the token, not the CSR');
      // The token was not spent: the real cloud still takes it.
      await register(value);
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  test('--cloud-ca must be the pinned CA', async () => {
    const otherCa = await ensureDevCertificates(join(stateDir(), '..', 'other-ca'));
    const value = await token();
    const error = await refusal(register(value, { cloudCaPem: readFileSync(otherCa.caFile, 'utf8') }));
    assert.equal(error.code, 'CLOUD_CA_FILE_MISMATCH');
    const state = await register(value, { cloudCaPem: t.ca });
    assert.ok(state.agentId);
  });
});

describe('agents list status', () => {
  test("connected while its node reports; a dead node's connected mark expires instead of showing active forever", async () => {
    const registry = getAgentRegistry(t.cloud.ctx);
    const agent = await register(await token());
    const listed = async () => {
      const list = await t.admin('GET', `${API}/tenants/contoso/agents`);
      const a = list.json.agents.find((x: { id: string }) => x.id === agent.agentId);
      return { status: a.status, connected: a.connected, inFlight: a.inFlight };
    };
    await registry.recordActivity({
      agentId: agent.agentId,
      tenantId: agent.tenantId,
      lastSeen: clock,
      inFlight: 3,
      servedDelta: 1,
      failedDelta: 0,
      connected: true,
    });
    assert.deepEqual(await listed(), { status: 'active', connected: true, inFlight: 3 });
    // Within three heartbeats the mark is believed (a live node writes last_seen at least once per heartbeat).
    clock += CONNECTED_MARK_TRUSTED_MS;
    assert.deepEqual(await listed(), { status: 'active', connected: true, inFlight: 3 });
    // The node died without a word: no news for longer than both the mark's trust and the active window (2 min).
    clock += 2 * MINUTE;
    assert.deepEqual(await listed(), { status: 'inactive', connected: false, inFlight: 0 });
    const recipients = await registry.activeRecipients(agent.tenantId);
    assert.ok(!recipients.some((r) => r.agentId === agent.agentId), 'no copies sealed for it');
    // Its agent reconnects to another node, which reports it again.
    await registry.recordActivity({
      agentId: agent.agentId,
      tenantId: agent.tenantId,
      lastSeen: clock,
      inFlight: 0,
      servedDelta: 0,
      failedDelta: 0,
      connected: true,
    });
    assert.deepEqual(await listed(), { status: 'active', connected: true, inFlight: 0 });
  });
});

describe('renewal and revocation', () => {
  test('renewal: new certificate and new encryption key; the old certificate stops working; new seals use the new key', async () => {
    const registry = getAgentRegistry(t.cloud.ctx);
    const dir = stateDir();
    const first = await register(await token(), { stateDir: dir });
    const oldCert = readFileSync(statePath(dir, 'certificate'), 'utf8');
    // A connected agent, as its node reports it at every heartbeat.
    const heartbeat = () =>
      registry.recordActivity({
        agentId: first.agentId,
        tenantId: first.tenantId,
        lastSeen: clock,
        inFlight: 0,
        servedDelta: 0,
        failedDelta: 0,
        connected: true,
      });
    await heartbeat();
    const sealedBefore = (await registry.activeRecipients(first.tenantId)).find((r) => r.agentId === first.agentId);
    assert.equal(sealedBefore?.key.kid, first.encryptionKid);

    const renewedEvents: string[] = [];
    const unsubscribe = registry.events.onRenewed((e) => renewedEvents.push(e.agentId));
    clock += Math.ceil((2 / 3) * VALIDITY);
    await heartbeat();
    try {
      const second = await renewAgent({ stateDir: dir, now });
      assert.notEqual(second.encryptionKid, first.encryptionKid);
      assert.ok(second.certificateNotAfter > first.certificateNotAfter);
      assert.deepEqual(renewedEvents, [first.agentId]);
      const newCert = readFileSync(statePath(dir, 'certificate'), 'utf8');
      assert.notEqual(newCert, oldCert);

      const oldAuth = await registry.authenticateAgentCertificate(new X509Certificate(oldCert));
      assert.deepEqual(oldAuth.ok ? 'ok' : oldAuth.code, 'CERT_SUPERSEDED');
      const newAuth = await registry.authenticateAgentCertificate(new X509Certificate(newCert));
      assert.ok(newAuth.ok);
      assert.equal(newAuth.agent.envelopeKey.kid, second.encryptionKid);

      // The cloud seals new requests to the new key only; the agent still opens copies sealed just before renewal.
      const recipient = (await registry.activeRecipients(first.tenantId)).find((r) => r.agentId === first.agentId)!;
      assert.equal(recipient.key.kid, second.encryptionKid);
      const identity = loadAgentIdentity(dir, clock);
      assert.deepEqual(new Set(identity.envelopeKeys.keys()), new Set([first.encryptionKid, second.encryptionKid]));
      const binding = { requestId: 'r-renew', tenantId: first.tenantId, issuedAt: clock, expiresAt: clock + 30_000 };
      const secret = { purpose: 'validate' as const, username: 'alice@contoso.test', password: 'pw-1' };
      const fresh = sealEnvelope(recipient, binding, secret);
      const opened = openEnvelope(fresh, {
        keys: identity.envelopeKeys,
        expect: { tenantId: first.tenantId, audience: first.agentId, purpose: 'validate' },
        now: clock,
      });
      assert.ok(opened.ok && opened.kid === second.encryptionKid);
      const stale = sealEnvelope({ agentId: first.agentId, key: sealedBefore!.key }, binding, secret);
      assert.ok(
        openEnvelope(stale, {
          keys: identity.envelopeKeys,
          expect: { tenantId: first.tenantId, audience: first.agentId, purpose: 'validate' },
          now: clock,
        }).ok,
      );
      // After the grace time the previous key is gone from the state directory.
      const later = loadAgentIdentity(dir, clock + 11 * MINUTE);
      assert.deepEqual([...later.envelopeKeys.keys()], [second.encryptionKid]);
      assert.ok(!readdirSync(dir).includes('encryption-key.previous.pem'));
      for (const file of readdirSync(dir)) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);

      // Renewing with the superseded certificate is refused (a stolen old certificate cannot renew).
      const replay = await registry
        .renew({
          peerCertificate: new X509Certificate(oldCert),
          csrPem: 'x'.repeat(200),
          encryptionKey: {},
        })
        .then(
          () => 'ok',
          (e: { reason?: string }) => e.reason,
        );
      assert.equal(replay, 'CERT_SUPERSEDED');
    } finally {
      unsubscribe();
      clock -= Math.ceil((2 / 3) * VALIDITY);
    }
  });

  test('an expired agent cannot renew: it must re-register', async () => {
    const dir = stateDir();
    const state = await register(await token(), { stateDir: dir });
    const cert = new X509Certificate(readFileSync(statePath(dir, 'certificate')));
    clock = state.certificateNotAfter + 1;
    try {
      assert.equal((await refusal(renewAgent({ stateDir: dir, now }))).code, 'CERTIFICATE_EXPIRED');
      const auth = await getAgentRegistry(t.cloud.ctx).authenticateAgentCertificate(cert);
      assert.equal(auth.ok ? 'ok' : auth.code, 'CERT_EXPIRED');
      const list = await t.admin('GET', `${API}/tenants/contoso/agents`);
      assert.equal(list.json.agents.find((a: { id: string }) => a.id === state.agentId).status, 'expired');
    } finally {
      clock = Date.now();
    }
  });

  test('revocation: event for the gateway, no authentication, no renewal, listed as revoked', async () => {
    const registry = getAgentRegistry(t.cloud.ctx);
    const dir = stateDir();
    const state = await register(await token(), { stateDir: dir });
    const cert = new X509Certificate(readFileSync(statePath(dir, 'certificate')));
    assert.ok((await registry.authenticateAgentCertificate(cert)).ok);

    const revoked: string[] = [];
    const unsubscribe = registry.events.onRevoked((e) => revoked.push(e.agentId));
    try {
      const res = await t.admin('POST', `${API}/agents/${state.agentId}/revoke`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.status, 'revoked');
      assert.deepEqual(revoked, [state.agentId], 'revoked event fired at once');
    } finally {
      unsubscribe();
    }
    const auth = await registry.authenticateAgentCertificate(cert);
    assert.equal(auth.ok ? 'ok' : auth.code, 'AGENT_REVOKED');
    const error = await refusal(renewAgent({ stateDir: dir, now }));
    assert.equal(error.reason, 'AGENT_REVOKED');
    assert.equal(error.status, 403);
    assert.ok(!(await registry.activeRecipients(state.tenantId)).some((r) => r.agentId === state.agentId));
    const audit = await t.cloud.store.db
      .selectFrom('audit_events')
      .select('action')
      .where('target', '=', `agent:${state.agentId}`)
      .execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['agent.register', 'agent.revoke']);
    assert.equal((await t.admin('POST', `${API}/agents/00000000-0000-0000-0000-000000000000/revoke`)).status, 404);
  });

  test('certificates that are not agent certificates are refused', async () => {
    const registry = getAgentRegistry(t.cloud.ctx);
    const server = new X509Certificate(t.cloud.ctx.tls.cert);
    for (const [presented, code] of [
      [undefined, 'CERT_MISSING'],
      [{}, 'CERT_MISSING'],
      [Buffer.from('not a certificate'), 'CERT_INVALID'],
      [server, 'CERT_INVALID'],
    ] as const) {
      const result = await registry.authenticateAgentCertificate(presented as never);
      assert.equal(result.ok ? 'ok' : result.code, code);
    }
  });

  test('CSR keys: Ed25519 and (agents registered before) EC P-256 are accepted; other keys and forged signatures are not', async () => {
    const csrFor = async (
      algorithm: EcKeyGenParams | RsaHashedKeyGenParams | { name: 'Ed25519' },
      sign = algorithm,
    ) => {
      const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
      return x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=host',
        keys,
        signingAlgorithm: { ...sign, hash: 'SHA-256' },
      });
    };
    for (const alg of [{ name: 'Ed25519' } as const, { name: 'ECDSA', namedCurve: 'P-256' }]) {
      const csr = await csrFor(alg);
      assert.equal((await verifyAgentCsr(csr.toString('pem'))).publicKey.algorithm.name, alg.name);
    }
    for (const alg of [
      { name: 'ECDSA', namedCurve: 'P-384' },
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    ]) {
      await assert.rejects(verifyAgentCsr((await csrFor(alg)).toString('pem')), /the key must be Ed25519 or EC P-256/);
    }
    // An Ed25519 CSR whose signature was made by another key: no proof of possession.
    const good = await csrFor({ name: 'Ed25519' });
    const other = await csrFor({ name: 'Ed25519' });
    const forged = Buffer.from(good.rawData);
    const sig = Buffer.from(other.signature);
    forged.set(sig, forged.length - sig.length);
    await assert.rejects(
      verifyAgentCsr(x509.PemConverter.encode(forged, 'CERTIFICATE REQUEST')),
      /the signature does not verify/,
    );
  });

  test('no private key, token secret or CSR reaches the logs', () => {
    const raw = logs.raw();
    assert.ok(raw.includes('agent registered'), 'logs were captured');
    assert.ok(!raw.includes('PRIVATE KEY'));
    assert.ok(!raw.includes('CERTIFICATE REQUEST'));
    assert.ok(!/optk1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/.test(raw));
  });
});
