/**
 * A cloud stand-in for channel tests: a real HTTPS server with mutual TLS (client certificates requested, not
 * required), the real gateway, dispatcher and channel verifier, and an in-memory agent registry. Log lines are
 * captured so tests can assert what was (and was not) logged.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type EnvelopeKeyPair,
  type EnvelopePublicKey,
  generateEnvelopeKeyPair,
  importEnvelopePublicKey,
} from '@openpta/protocol';
import { pino } from 'pino';
import {
  AGENT_CONNECT_PATH,
  type AgentActivity,
  type AgentGateway,
  type AuthenticateAgent,
  createAgentGateway,
} from '../../src/agent-channel/gateway/index.ts';
import { type ChannelVerifier, createChannelVerifier } from '../../src/agent-channel/verifier/index.ts';
import { createTestPki, type TestPki } from './test-pki.ts';

export interface RegisteredTestAgent {
  readonly agentId: string;
  readonly tenantId: string;
  readonly cert: string;
  readonly key: string;
  readonly envelopeKeys: EnvelopeKeyPair;
}

type AgentRegistryMap = Map<
  string,
  { tenantId: string; key: EnvelopePublicKey; domains?: Set<string>; revoked: boolean }
>;

export interface ChannelCloud {
  /** The in-memory agent registry (shared by nodes started with sameCloudAs). */
  readonly registry: AgentRegistryMap;
  readonly url: string;
  readonly port: number;
  readonly pki: TestPki;
  readonly gateway: AgentGateway;
  readonly verifier: ChannelVerifier;
  readonly logs: Record<string, unknown>[];
  readonly logText: () => string;
  readonly activity: AgentActivity[];
  registerAgent(agentId: string, tenantId: string, domains?: string[]): Promise<RegisteredTestAgent>;
  revoke(agentId: string): void;
  close(): Promise<void>;
}

export async function startChannelCloud(
  options: {
    requestTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    helloTimeoutMs?: number;
    /** Another node of the same cloud: share its PKI and agent registry (reconnect-elsewhere tests). */
    sameCloudAs?: ChannelCloud;
  } = {},
): Promise<ChannelCloud> {
  const pki = options.sameCloudAs?.pki ?? (await createTestPki());
  const registry: AgentRegistryMap =
    options.sameCloudAs?.registry ??
    new Map<string, { tenantId: string; key: EnvelopePublicKey; domains?: Set<string>; revoked: boolean }>();
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: process.env.OPENPTA_TEST_LOG_LEVEL ?? 'debug' },
    { write: (line: string) => logs.push(JSON.parse(line)) },
  );
  const activity: AgentActivity[] = [];
  const authenticate: AuthenticateAgent = async (socket: TLSSocket) => {
    if (!socket.authorized) {
      return {
        ok: false,
        code: 'unauthorized',
        reason: `client certificate refused: ${String(socket.authorizationError ?? 'none')}`,
      };
    }
    const san = socket.getPeerCertificate().subjectaltname ?? '';
    const agentId = /URI:urn:openpta:agent:([A-Za-z0-9-]+)/.exec(san)?.[1];
    const entry = agentId === undefined ? undefined : registry.get(agentId);
    if (agentId === undefined || entry === undefined)
      return { ok: false, code: 'unauthorized', reason: 'unknown agent' };
    if (entry.revoked) return { ok: false, code: 'revoked', reason: 'agent revoked' };
    return {
      ok: true,
      identity: { agentId, tenantId: entry.tenantId, envelopeKey: entry.key, domains: entry.domains },
    };
  };
  const server = https.createServer(
    { cert: pki.server.cert, key: pki.server.key, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
    (_req, res) => res.end('ok'),
  );
  const gateway = createAgentGateway({
    authenticate,
    logger,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
    ...(options.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.helloTimeoutMs }),
    onActivity: (batch) => {
      activity.push(...batch);
    },
    activityFlushMs: 100,
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const verifier = createChannelVerifier({
    gateway,
    logger,
    ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
  });
  return {
    registry,
    url: `wss://127.0.0.1:${port}${AGENT_CONNECT_PATH}`,
    port,
    pki,
    gateway,
    verifier,
    logs,
    logText: () => logs.map((l) => JSON.stringify(l)).join('\n'),
    activity,
    async registerAgent(agentId, tenantId, domains) {
      const { cert, key } = await pki.issueAgent(agentId);
      const envelopeKeys = generateEnvelopeKeyPair();
      registry.set(agentId, {
        tenantId,
        key: importEnvelopePublicKey(envelopeKeys.publicJwk),
        ...(domains === undefined ? {} : { domains: new Set(domains) }),
        revoked: false,
      });
      return { agentId, tenantId, cert, key, envelopeKeys };
    },
    revoke(agentId) {
      const entry = registry.get(agentId);
      if (entry !== undefined) entry.revoked = true;
      gateway.disconnectAgent(agentId, 'revoked');
    },
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
