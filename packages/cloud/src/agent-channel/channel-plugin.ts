/**
 * Wires the agent channel into the cloud app: the gateway on the app's HTTPS server (client certificates requested,
 * not required), authentication by the agent registry, per-tenant routing from tenant settings, activity flushed to
 * the agents table, revocations and renewals cutting connections, and the SIGTERM path (reconnect hint to every
 * agent, in-flight requests finish, then close).
 *
 * Usage (serve, demo): `const channel = createAgentChannel(); buildCloudApp(config, { credentialVerifier:
 * channel.verifier, plugins: [agentIdentityPlugin(), channel.plugin] })`. The verifier exists before the app does
 * (the sign-in plugin needs it at build time); the gateway learns its registry when the plugin registers.
 */
import type { Server as HttpServer } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Counter, Gauge } from 'prom-client';
import { recordAudit } from '../admin/audit.ts';
import type { CloudPlugin } from '../context.ts';
import {
  type AgentConnectionEvent,
  type AgentGateway,
  type AuthenticateAgent,
  createAgentGateway,
} from './gateway/index.ts';
import { createLateLogger } from './late-logger.ts';
import { recheckConnectedAgents } from './recheck-agents.ts';
import { getAgentRegistry } from './registration/agent-identity-plugin.ts';
import { domainsForAgent } from './routing/index.ts';
import { agentCheckRoute } from './verifier/agent-check-route.ts';
import { type ChannelVerifier, createChannelVerifier } from './verifier/index.ts';

export interface AgentChannelOptions {
  /** Overall timeout per request; default 15 s (DEFAULT_DISPATCH_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Sent with the reconnect hint at shutdown: where agents should go (another node); default their own URL. */
  readonly drainReconnectUrl?: string;
  /** How long shutdown waits for requests already taken by agents. */
  readonly drainTimeoutMs?: number;
  /** How often agent counters are written to the agents table (default 10 s). */
  readonly activityFlushMs?: number;
  /**
   * After a renewal, how long connections with the superseded certificate may finish their requests before they are
   * closed with 4011 (default 30 s, longer than the request deadline).
   */
  readonly renewalGraceMs?: number;
  /** Sent with the renewal reconnect hint: the agent waits this long before reconnecting (default 1 s). */
  readonly renewalReconnectDelayMs?: number;
  /**
   * How often the agents connected to this node are checked against the store, so a revocation or renewal made on
   * another cloud node reaches their connections here too (default 30 s; 0 = never).
   */
  readonly recheckIntervalMs?: number;
}

export interface AgentChannel {
  readonly gateway: AgentGateway;
  readonly verifier: ChannelVerifier;
  readonly plugin: CloudPlugin;
}

export function createAgentChannel(options: AgentChannelOptions = {}): AgentChannel {
  let authenticate: AuthenticateAgent = async () => ({
    ok: false,
    code: 'unauthorized',
    reason: 'the cloud is starting: retry',
  });
  const late = createLateLogger();
  let onSettled: ((status: string) => void) | undefined;
  let onRejected: ((reason: string) => void) | undefined;
  let onConnectionEvent: ((event: AgentConnectionEvent) => void) | undefined;
  let recordActivity:
    | ((batch: Parameters<NonNullable<Parameters<typeof createAgentGateway>[0]['onActivity']>>[0]) => Promise<void>)
    | undefined;
  const gateway = createAgentGateway({
    authenticate: (socket) => authenticate(socket),
    logger: late.logger,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    onActivity: (batch) => recordActivity?.(batch),
    ...(options.activityFlushMs === undefined ? {} : { activityFlushMs: options.activityFlushMs }),
    onRejectedAnswer: (reason) => onRejected?.(reason),
    onConnectionEvent: (event) => onConnectionEvent?.(event),
  });
  const verifier = createChannelVerifier({
    gateway,
    logger: late.logger,
    ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
    onResult: (_kind, status) => onSettled?.(status),
  });

  const plugin: CloudPlugin = {
    name: 'agent-channel',
    async register(app, ctx) {
      late.bind(ctx.logger);
      const registry = getAgentRegistry(ctx);
      authenticate = async (socket: TLSSocket) => {
        const result = await registry.authenticateAgentSocket(socket);
        if (!result.ok) return result;
        const tenant = await ctx.store.db
          .selectFrom('tenants')
          .select('settings')
          .where('id', '=', result.identity.tenantId)
          .executeTakeFirst();
        const settings = tenant === undefined ? {} : (JSON.parse(tenant.settings) as unknown);
        return {
          ok: true,
          identity: { ...result.identity, domains: domainsForAgent(settings, result.identity.agentId) },
        };
      };
      recordActivity = async (batch) => {
        for (const update of batch) if (update.changed) await registry.recordActivity(update);
        await registry.recordSeen(batch.filter((update) => !update.changed));
      };
      const requests = new Counter({
        name: 'openpta_agent_channel_requests_total',
        help: 'Requests dispatched to agents, by how they ended (answered, no_agent, timeout, agent_lost, ...)',
        labelNames: ['status'] as const,
        registers: [ctx.metrics.registry],
      });
      const rejected = new Counter({
        name: 'openpta_agent_channel_rejected_answers_total',
        help: 'Answers from agents refused (unknown request, wrong connection, late)',
        labelNames: ['reason'] as const,
        registers: [ctx.metrics.registry],
      });
      new Gauge({
        name: 'openpta_agent_channel_connections',
        help: 'Agent connections held by this node',
        registers: [ctx.metrics.registry],
        collect() {
          this.set(gateway.connectionCount());
        },
      });
      new Gauge({
        name: 'openpta_agent_channel_queue_depth',
        help: 'Requests waiting for an agent with credit',
        registers: [ctx.metrics.registry],
        collect() {
          this.set(gateway.dispatcher.queueDepth());
        },
      });
      onSettled = (status) => requests.inc({ status });
      onRejected = (reason) => rejected.inc({ reason });
      // Audit log: agent.connected / agent.disconnected (registered, renewed and revoked are written by registration/).
      // Best effort: a failed write is logged and never touches the connection.
      onConnectionEvent = (event) => {
        const { type, agentId, ...details } = event;
        recordAudit(ctx.store.db, {
          actor: `agent:${agentId}`,
          action: `agent.${type}`,
          target: `agent:${agentId}`,
          details,
        }).catch((err: unknown) =>
          ctx.logger.error({ err, agentId, event: type }, 'could not write the agent audit event'),
        );
      };

      // app.ts requests (never requires) client certificates on the HTTPS port; the gateway checks them at upgrade.
      gateway.attach(app.server as HttpServer);
      await app.register(async (scope) => agentCheckRoute(scope, ctx, registry, verifier));

      const unsubscribeRevoked = registry.events.onRevoked((event) => {
        const n = gateway.disconnectAgent(event.agentId, 'revoked');
        ctx.logger.info({ agentId: event.agentId, connections: n }, 'revoked agent disconnected');
      });
      // A renewal drains (not cuts) the agent's connections: in-flight requests finish, new ones are sealed to the new
      // key and wait for the agent's new connection. The delay gives an agent renewed by another process (`openpta
      // agent renew`) time to write its new certificate before it reconnects.
      const renewalReconnectDelayMs = options.renewalReconnectDelayMs ?? 1000;
      const renewalGraceMs = options.renewalGraceMs ?? 30_000;
      const unsubscribeRenewed = registry.events.onRenewed((event) => {
        const n = gateway.retireAgent(event.agentId, {
          envelopeKey: event.encryptionKey,
          delayMs: renewalReconnectDelayMs,
          graceMs: renewalGraceMs,
        });
        ctx.logger.info({ agentId: event.agentId, connections: n }, 'renewed agent asked to reconnect');
      });
      // Other nodes' revocations and renewals reach this node's connections through the store.
      let rechecking = false;
      const recheckIntervalMs = options.recheckIntervalMs ?? 30_000;
      const recheckTimer =
        recheckIntervalMs > 0
          ? setInterval(() => {
              if (rechecking) return;
              rechecking = true;
              recheckConnectedAgents({
                gateway,
                db: ctx.store.db,
                logger: ctx.logger.child({ component: 'agent-recheck' }),
                renewalGraceMs,
                renewalReconnectDelayMs,
              })
                .catch((error: unknown) =>
                  ctx.logger.warn(
                    { err: error instanceof Error ? error.message : String(error) },
                    'could not re-check connected agents against the store (retrying at the next interval)',
                  ),
                )
                .finally(() => {
                  rechecking = false;
                });
            }, recheckIntervalMs)
          : undefined;
      recheckTimer?.unref();
      // preClose runs before the HTTP server stops: agents get the reconnect hint while sign-ins still finish.
      app.addHook('preClose', async () => {
        await gateway.drain({
          ...(options.drainReconnectUrl === undefined ? {} : { url: options.drainReconnectUrl }),
          timeoutMs: options.drainTimeoutMs ?? Math.min(ctx.config.shutdownTimeoutMs, 20_000),
        });
      });
      app.addHook('onClose', async () => {
        clearInterval(recheckTimer);
        unsubscribeRevoked();
        unsubscribeRenewed();
        await gateway.close();
      });
    },
  };
  return { gateway, verifier, plugin };
}
