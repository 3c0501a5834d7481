/**
 * Everything one validator shares between its attempts: configuration, logger, metrics, the DC set, the per-DC
 * connection pools (user binds, service account), the caches. Built once by createDirectoryValidator().
 */
import { PASSWORD_PROVEN } from '@openpta/protocol';
import type { Logger } from 'pino';
import type { ResolvedDirectoryConfig } from '../config/schema.ts';
import { AttributeCache } from './attribute-cache.ts';
import type { AttributeSettings } from './attributes.ts';
import { ChangeWatcher } from './change-watcher.ts';
import { type ConnectionSettings, DirectoryConnection } from './connection.ts';
import { DcSet, type SrvLookup } from './dc-set.ts';
import { type DcEndpoint, endpointFromUrl } from './endpoint.ts';
import { AGENT_ERROR_CODES, AgentError, DirectoryTransportError } from './errors.ts';
import { GroupGraph } from './group-graph.ts';
import type { DirectoryMetrics } from './metrics.ts';
import { outcomeFromBindError } from './outcome-map.ts';
import { ConnectionPool } from './pool.ts';
import { buildTlsBase } from './tls-options.ts';

/** After the directory refuses the service account's password, how long before it is tried again. */
export const SERVICE_ACCOUNT_RETRY_MS = 60_000;

export interface DcPools {
  readonly user: ConnectionPool;
  readonly service?: ConnectionPool;
}

export interface DirectoryContext {
  readonly config: ResolvedDirectoryConfig;
  readonly logger: Logger;
  readonly metrics: DirectoryMetrics;
  readonly transport: DcEndpoint['transport'];
  readonly connectionSettings: ConnectionSettings;
  readonly attributeSettings: AttributeSettings;
  readonly dcSet: DcSet;
  readonly attributeCache: AttributeCache;
  /**
   * Whether the DCs' root DSE tokens can verify cached users (attributes-after-bind.ts): unknown until the first
   * lookup, then works or unsupported for the life of the validator.
   */
  readonly identityCheck: { state: 'unknown' | 'works' | 'unsupported' };
  /** Change tracking for the cache (change-watcher.ts); absent without a service account or with changePollMs 0. */
  changeWatcher: ChangeWatcher | undefined;
  /** validate() calls running now, this one included (validator.ts keeps it). */
  readonly validationsInFlight: { count: number };
  readonly groupGraph: GroupGraph;
  readonly service: ResolvedDirectoryConfig['serviceAccount'];
  readonly pools: ReadonlyMap<string, DcPools>;
  /** The pools of one DC, created on first use. */
  poolsFor(dc: DcEndpoint): DcPools;
  /** Skips the DC for dcDownMs after a transport failure (not when our own overall deadline ran out). */
  markDown(dc: DcEndpoint, error: Error, signal: AbortSignal): void;
}

export function createContext(
  config: ResolvedDirectoryConfig,
  logger: Logger,
  metrics: DirectoryMetrics,
  resolveSrv?: SrvLookup,
): DirectoryContext {
  const transport: DcEndpoint['transport'] =
    config.tls.mode === 'ldaps' ? 'ldaps' : config.tls.mode === 'starttls' ? 'starttls' : 'plain';
  if (transport === 'plain') {
    logger.warn(
      { event: 'insecure_transport' },
      'directory.tls.mode is insecure-plain: passwords cross the network UNENCRYPTED and AD refuses simple binds ' +
        'without TLS by default. Use ldaps or starttls outside a lab.',
    );
  }
  const connectionSettings: ConnectionSettings = {
    tls: transport === 'plain' ? {} : buildTlsBase(config.tls),
    connectTimeoutMs: config.timeouts.connectMs,
    operationTimeoutMs: config.timeouts.operationMs,
  };
  const dcSet = new DcSet({
    static: config.dcs.map((d) => endpointFromUrl(d.url, transport, d.serverName)),
    transport,
    srvDomain: config.discovery.srv ? config.domain : undefined,
    dnsServers: config.discovery.servers,
    refreshMs: config.discovery.refreshMs,
    downMs: config.dcDownMs,
    resolveSrv,
    onSrvError: (error) =>
      logger.warn({ event: 'srv_lookup_failed', domain: config.domain, err: error.message }, 'DC discovery failed'),
  });
  const pools = new Map<string, DcPools>();
  const service = config.serviceAccount;
  let serviceAccountBlockedUntil = 0;

  /** Opens a connection and binds the service account; a refusal blocks further tries for a while. */
  async function openServiceConnection(dc: DcEndpoint, signal?: AbortSignal): Promise<DirectoryConnection> {
    if (!service) throw new AgentError(AGENT_ERROR_CODES.SERVICE_ACCOUNT, 'no service account configured');
    if (Date.now() < serviceAccountBlockedUntil) {
      throw new AgentError(
        AGENT_ERROR_CODES.SERVICE_ACCOUNT,
        `the service account ${service.bindDn} was refused by the directory; not retried until ` +
          `${new Date(serviceAccountBlockedUntil).toISOString()}`,
      );
    }
    const c = await DirectoryConnection.open(dc, connectionSettings, signal);
    try {
      await c.bind(service.bindDn, service.password, false, signal);
    } catch (error) {
      c.destroy();
      if (error instanceof DirectoryTransportError) throw error;
      const outcome = outcomeFromBindError(error);
      // A refused service account must not be retried on every sign-in: AD would lock it out.
      if (outcome === 'invalid_credentials' || PASSWORD_PROVEN.has(outcome)) {
        serviceAccountBlockedUntil = Date.now() + SERVICE_ACCOUNT_RETRY_MS;
      }
      const message =
        `the service account ${service.bindDn} cannot bind to ${dc.label} (${outcome}): check ` +
        `directory.serviceAccount (name, password, account state); retried in ${SERVICE_ACCOUNT_RETRY_MS / 1000} s`;
      logger.error({ event: 'service_account_refused', dc: dc.label, outcome }, message);
      throw new AgentError(AGENT_ERROR_CODES.SERVICE_ACCOUNT, message, { cause: error });
    }
    return c;
  }

  const ctx: DirectoryContext = {
    config,
    logger,
    metrics,
    transport,
    connectionSettings,
    attributeSettings: {
      baseDn: config.baseDn,
      include: config.attributes.include,
      groups: config.attributes.groups,
      groupNameAttribute: config.attributes.groupNameAttribute,
    },
    dcSet,
    attributeCache: new AttributeCache(config.attributes.cacheMs),
    identityCheck: { state: 'unknown' },
    validationsInFlight: { count: 0 },
    changeWatcher: undefined,
    groupGraph: new GroupGraph(config.attributes.groupCacheMs, config.attributes.groupNameAttribute),
    service,
    pools,
    poolsFor(dc) {
      let p = pools.get(dc.label);
      if (!p) {
        const common = { dc: dc.label, idleTimeoutMs: config.pool.idleTimeoutMs };
        p = {
          user: new ConnectionPool({
            ...common,
            max: config.pool.userBindsPerDc,
            open: (signal) => DirectoryConnection.open(dc, connectionSettings, signal),
          }),
          service: service
            ? new ConnectionPool({
                ...common,
                max: config.pool.servicePerDc,
                open: (signal) => openServiceConnection(dc, signal),
              })
            : undefined,
        };
        pools.set(dc.label, p);
      }
      return p;
    },
    markDown(dc, error, signal) {
      if (signal.aborted) return;
      dcSet.markDown(dc.label);
      const reason = error instanceof AgentError ? error.code : 'unknown';
      metrics.dcDown.inc({ dc: dc.label, reason });
      logger.warn({ event: 'dc_down', dc: dc.label, reason, err: error.message }, 'DC marked down');
    },
  };
  if (service && config.attributes.cacheMs > 0 && config.attributes.changePollMs > 0) {
    ctx.changeWatcher = new ChangeWatcher(ctx, config.attributes.changePollMs);
  }
  return ctx;
}
