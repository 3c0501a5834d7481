/**
 * `openpta agent run` as a library: the directory validator, the request pipeline, the channel client and the local
 * health/metrics server, wired together with a graceful stop (stop taking credit, finish in-flight, close).
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { type ChannelClient, type ChannelState, createChannelClient } from '../channel/index.ts';
import { resolveDirectoryConfig } from '../config/index.ts';
import { createDirectoryValidator, type DirectoryValidator } from '../directory/index.ts';
import { loadAgentIdentity } from '../identity/load-agent-identity.ts';
import { type RenewalSchedule, scheduleRenewal } from '../identity/renewal-schedule.ts';
import type { AgentRunConfig } from './config.ts';
import { type HealthServer, startHealthServer } from './health-server.ts';
import { createRequestHandler } from './request-handler.ts';
import { createRequestMetrics } from './request-metrics.ts';

/** What the agent's state directory holds after registration (see packages/agent/src/identity). */
export interface AgentRunIdentity {
  readonly agentId: string;
  readonly tenantId: string;
  /** wss://.../agent/v1/connect recorded at registration (config cloud.url overrides it). */
  readonly cloudUrl: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** CA of the cloud's TLS server certificate (pinned at registration); undefined = the system store. */
  readonly cloudCaPem?: string | undefined;
  readonly envelopeKeys: ReadonlyMap<string, KeyObject> | ((kid: string) => KeyObject | undefined);
  /** Re-reads certificate and key before each connection (after a renewal). */
  readonly credentials?: () => { readonly cert: string; readonly key: string };
  /** The state directory (loadRunIdentity): when set, the runtime renews the certificate itself (scheduleRenewal). */
  readonly stateDir?: string;
}

export interface AgentRuntime {
  readonly client: ChannelClient;
  readonly validator: DirectoryValidator;
  readonly healthUrl: string | undefined;
  readonly registry: Registry;
  /** Graceful: no new work, in-flight finished (up to cloud.shutdownTimeoutMs), everything closed. Idempotent. */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  readonly config: AgentRunConfig;
  readonly identity: AgentRunIdentity;
  readonly logger: Logger;
  readonly agentVersion?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The directory validator to serve requests with instead of one built from `config.directory` (a benchmark of the
   * channel alone, bench/e2e-channel.bench.ts). The runtime closes it on stop.
   */
  readonly validator?: DirectoryValidator;
  /** Retry bounds of a failed renewal (default 1 minute doubling to 1 hour; tests shorten them). */
  readonly renewalRetry?: { readonly minMs?: number; readonly maxMs?: number };
}

export async function startAgentRuntime(options: StartAgentOptions): Promise<AgentRuntime> {
  const { config, identity, logger } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const validator =
    options.validator ??
    createDirectoryValidator(resolveDirectoryConfig(config.directory, options.env), {
      logger,
      registry,
    });
  const connected = new Gauge({
    name: 'openpta_agent_cloud_connected',
    help: '1 when the agent holds a connection to the cloud',
    registers: [registry],
  });
  const requestMetrics = createRequestMetrics(registry);
  let state: ChannelState = 'idle';
  let stateDetail: string | undefined;
  const proxy = config.cloud.proxy;
  const client = createChannelClient({
    url: config.cloud.url ?? identity.cloudUrl,
    cert: identity.certificatePem,
    key: identity.privateKeyPem,
    ca: identity.cloudCaPem,
    ...(identity.credentials === undefined ? {} : { credentials: identity.credentials }),
    proxyUrl: proxy === false ? null : proxy,
    handler: createRequestHandler({
      agentId: identity.agentId,
      tenantId: identity.tenantId,
      envelopeKeys: identity.envelopeKeys,
      validator,
      logger,
    }),
    logger,
    maxInFlight: config.cloud.maxInFlight,
    connectTimeoutMs: config.cloud.connectTimeoutMs,
    backoff: config.cloud.backoff,
    agentVersion: options.agentVersion ?? '0.1.0',
    capabilities: ['change-password'],
    onStateChange: (next, detail) => {
      state = next;
      stateDetail = detail;
      connected.set(next === 'connected' ? 1 : 0);
    },
    onRequestDone: (kind, outcome, ms) =>
      requestMetrics.done(kind === 'validate-request' ? 'validate' : 'change-password', outcome, ms),
  });
  let health: HealthServer | undefined;
  if (config.health.port !== false) {
    try {
      health = await startHealthServer(config.health.host, config.health.port, {
        registry,
        ready: () => ({
          ready: state === 'connected',
          detail: {
            cloud: state,
            ...(stateDetail === undefined ? {} : { detail: stateDetail }),
            inFlight: client.inFlight,
          },
        }),
      });
    } catch (error) {
      await validator.close();
      throw new Error(
        `cannot listen for health and metrics on ${config.health.host}:${config.health.port}: ${(error as Error).message} ` +
          '(set health.port to another port, or false)',
      );
    }
  }
  client.start();
  // Certificate and encryption key renew themselves at renewAfter (docs/PROTOCOL.md "Renewal"); the channel then
  // reconnects with the new certificate (re-read from the state directory) without dropping in-flight requests.
  let renewal: RenewalSchedule | undefined;
  if (identity.stateDir !== undefined) {
    const certificateNotAfter = new Gauge({
      name: 'openpta_agent_certificate_not_after_seconds',
      help: 'Expiry of the agent certificate (Unix time): alert well before it, an expired agent must re-register',
      registers: [registry],
    });
    try {
      certificateNotAfter.set(loadAgentIdentity(identity.stateDir).certificateNotAfter / 1000);
    } catch {
      // Unreadable state: the schedule below logs why.
    }
    renewal = scheduleRenewal({
      stateDir: identity.stateDir,
      logger,
      // The same way out as the channel (cloud.proxy), so a renewal works wherever the connection does.
      proxyUrl: proxy === false ? null : proxy,
      onRenewed: (renewed) => {
        certificateNotAfter.set(renewed.certificateNotAfter / 1000);
        client.reconnect('renew-certificate');
      },
      onTerminal: (error) => {
        stateDetail = `certificate renewal failed for good: ${error.message} (re-register the agent)`;
      },
      ...(options.renewalRetry?.minMs === undefined ? {} : { retryMinMs: options.renewalRetry.minMs }),
      ...(options.renewalRetry?.maxMs === undefined ? {} : { retryMaxMs: options.renewalRetry.maxMs }),
    });
  }
  logger.info(
    {
      agentId: identity.agentId,
      tenantId: identity.tenantId,
      health: health?.url,
      maxInFlight: config.cloud.maxInFlight,
    },
    'agent started',
  );
  let stopping: Promise<void> | undefined;
  return {
    client,
    validator,
    registry,
    healthUrl: health?.url,
    stop() {
      stopping ??= (async () => {
        logger.info({ inFlight: client.inFlight }, 'agent stopping: no new requests, finishing in-flight ones');
        renewal?.close();
        await client.stop(config.cloud.shutdownTimeoutMs);
        await validator.close();
        await health?.close();
        logger.info('agent stopped');
      })();
      return stopping;
    },
  };
}
