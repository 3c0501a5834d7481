/**
 * The directory validator: validate(username, password) and changePassword(username, old, new) against AD.
 *
 * One attempt, top to bottom:
 *   1. checkInput: refuse bad input (bad_request) before any network call.
 *   2. pick DCs (dc-set.ts): healthy ones in order.
 *   3. alternate login id only: find exactly one user with the service account (any DC; failover-safe).
 *   4. ONE user bind, on a pooled connection of the first DC that connects. Connect/TLS failures move to the next
 *      DC; once the bind has been written, whatever happens ends the attempt (the DC may have counted it).
 *   5. on ok: attributes and groups with the service account (failover-safe), or, without a service account, with the
 *      user's own bind on the same connection before it goes back to the pool.
 *   6. log username, DC, outcome and time (never the password).
 */
import { directoryAttributesSchema, type Outcome, PASSWORD_PROVEN } from '@openpta/protocol';
import type { Entry } from 'ldapts';
import { Attribute, Change } from 'ldapts';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResolvedDirectoryConfig } from '../config/schema.ts';
import { AttributeCache } from './attribute-cache.ts';
import { type AttributeSettings, findUsers, groupNames, toUserAttributes, type UserAttributes } from './attributes.ts';
import { type ConnectionSettings, DirectoryConnection } from './connection.ts';
import { DcSet, type SrvLookup } from './dc-set.ts';
import { type DcEndpoint, endpointFromUrl } from './endpoint.ts';
import { AGENT_ERROR_CODES, AgentError, DirectoryTransportError } from './errors.ts';
import { GroupGraph } from './group-graph.ts';
import { type AttributeMatch, checkInput, checkText, MAX_PASSWORD_LENGTH } from './input.ts';
import { createAgentLogger } from './logger.ts';
import { createDirectoryMetrics } from './metrics.ts';
import { outcomeFromAgentError, outcomeFromBindError, outcomeFromPasswordChangeError } from './outcome-map.ts';
import { ConnectionPool, type PoolStats } from './pool.ts';
import { buildTlsBase } from './tls-options.ts';

export interface ValidationResult {
  readonly outcome: Outcome;
  /** The DC that gave the answer (absent for bad_request, or when no DC could be reached). */
  readonly dc?: string;
  readonly elapsedMs: number;
  /** Present when outcome is ok. */
  readonly attributes?: UserAttributes;
}

export interface PasswordChangeResult {
  readonly outcome: Outcome;
  readonly dc?: string;
  readonly elapsedMs: number;
}

export interface DcHealth {
  readonly dc: string;
  readonly markedDown: boolean;
  readonly reachable: boolean;
  readonly error?: string;
  readonly pools: { readonly user?: PoolStats; readonly service?: PoolStats };
}

export interface DirectoryHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly dcs: readonly DcHealth[];
}

export interface DirectoryValidator {
  validate(username: string, password: string): Promise<ValidationResult>;
  changePassword(username: string, oldPassword: string, newPassword: string): Promise<PasswordChangeResult>;
  /** Probes every known DC (service account bind + RootDSE read, or a connection without one). */
  health(): Promise<DirectoryHealth>;
  /** Closes every pooled connection and timer. */
  close(): Promise<void>;
  /** Prometheus registry with this validator's metrics. */
  readonly metrics: Registry;
}

export interface ValidatorOptions {
  readonly logger?: Logger;
  /** DNS SRV lookup to use instead of node:dns (tests, custom resolvers). */
  readonly resolveSrv?: SrvLookup;
  readonly registry?: Registry;
}

interface DcPools {
  readonly user: ConnectionPool;
  readonly service?: ConnectionPool;
}

type Step<T> = { ok: true; value: T; dc: DcEndpoint } | { ok: false; outcome: Outcome; dc?: DcEndpoint; error?: Error };

/** Picks the outcome to report when every DC failed at the transport level. */
function worstTransportOutcome(errors: readonly Error[]): Outcome {
  const outcomes = errors.map((e) => (e instanceof AgentError ? outcomeFromAgentError(e) : 'directory_error'));
  for (const o of ['directory_tls_error', 'directory_timeout', 'directory_error'] as const) {
    if (outcomes.includes(o)) return o;
  }
  return 'directory_unavailable';
}

/** A username for the log line, whatever the caller passed (never throws, never huge). */
/** After the directory refuses the service account's password, how long before it is tried again. */
const SERVICE_ACCOUNT_RETRY_MS = 60_000;

function printable(username: unknown): string {
  return typeof username === 'string' ? username.slice(0, 256) : `(${typeof username})`;
}

function unicodePwd(password: string): Buffer {
  // MS-ADTS 3.1.1.3.1.5: the value is the password in double quotes, UTF-16LE.
  return Buffer.from(`"${password}"`, 'utf16le');
}

export function createDirectoryValidator(
  config: ResolvedDirectoryConfig,
  options: ValidatorOptions = {},
): DirectoryValidator {
  const logger = options.logger ?? createAgentLogger();
  const metrics = createDirectoryMetrics(options.registry);
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
  const attributeSettings: AttributeSettings = {
    baseDn: config.baseDn,
    include: config.attributes.include,
    groups: config.attributes.groups,
    groupNameAttribute: config.attributes.groupNameAttribute,
  };
  const dcSet = new DcSet({
    static: config.dcs.map((d) => endpointFromUrl(d.url, transport, d.serverName)),
    transport,
    srvDomain: config.discovery.srv ? config.domain : undefined,
    dnsServers: config.discovery.servers,
    refreshMs: config.discovery.refreshMs,
    downMs: config.dcDownMs,
    resolveSrv: options.resolveSrv,
    onSrvError: (error) =>
      logger.warn({ event: 'srv_lookup_failed', domain: config.domain, err: error.message }, 'DC discovery failed'),
  });
  const pools = new Map<string, DcPools>();
  let serviceAccountBlockedUntil = 0;
  const attributeCache = new AttributeCache(config.attributes.cacheMs);
  const groupGraph = new GroupGraph(config.attributes.groupCacheMs, config.attributes.groupNameAttribute);
  const service = config.serviceAccount;
  let closed = false;

  function poolsFor(dc: DcEndpoint): DcPools {
    let p = pools.get(dc.label);
    if (!p) {
      const user = new ConnectionPool({
        dc: dc.label,
        max: config.pool.userBindsPerDc,
        idleTimeoutMs: config.pool.idleTimeoutMs,
        open: (signal) => DirectoryConnection.open(dc, connectionSettings, signal),
      });
      const servicePool = service
        ? new ConnectionPool({
            dc: dc.label,
            max: config.pool.servicePerDc,
            idleTimeoutMs: config.pool.idleTimeoutMs,
            open: async (signal) => {
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
            },
          })
        : undefined;
      p = { user, service: servicePool };
      pools.set(dc.label, p);
    }
    return p;
  }

  function markDown(dc: DcEndpoint, error: Error, signal: AbortSignal): void {
    // The overall deadline is ours, not the DC's fault.
    if (signal.aborted) return;
    dcSet.markDown(dc.label);
    const reason = error instanceof AgentError ? error.code : 'unknown';
    metrics.dcDown.inc({ dc: dc.label, reason });
    logger.warn({ event: 'dc_down', dc: dc.label, reason, err: error.message }, 'DC marked down');
  }

  /**
   * Runs a service-account operation on the first DC that works, starting at `preferred`. Transport failures
   * before any user credential move on; every other failure ends the step.
   */
  async function serviceStep<T>(
    dcs: readonly DcEndpoint[],
    signal: AbortSignal,
    fn: (c: DirectoryConnection, dc: DcEndpoint) => Promise<T>,
    preferred?: DcEndpoint,
  ): Promise<Step<T>> {
    const order = preferred ? [preferred, ...dcs.filter((d) => d.label !== preferred.label)] : [...dcs];
    const failures: Error[] = [];
    for (const dc of order) {
      const pool = poolsFor(dc).service;
      if (!pool) return { ok: false, outcome: 'directory_error', error: new Error('no service account configured') };
      let c: DirectoryConnection | undefined;
      try {
        c = await pool.acquire(signal);
        const value = await fn(c, dc);
        pool.release(c, true);
        dcSet.markUp(dc.label);
        return { ok: true, value, dc };
      } catch (error) {
        if (c) pool.release(c, false);
        if (error instanceof DirectoryTransportError && error.beforeCredentials && !signal.aborted) {
          failures.push(error);
          markDown(dc, error, signal);
          continue;
        }
        if (signal.aborted) return { ok: false, outcome: 'directory_timeout', dc, error: error as Error };
        if (error instanceof AgentError) return { ok: false, outcome: outcomeFromAgentError(error), dc, error };
        return { ok: false, outcome: 'directory_error', dc, error: error as Error };
      }
    }
    return { ok: false, outcome: worstTransportOutcome(failures), error: failures.at(-1) };
  }

  /** Finds the user's entry (exactly one) by login attributes. */
  async function lookupEntry(
    c: DirectoryConnection,
    matches: readonly AttributeMatch[],
    signal: AbortSignal,
  ): Promise<Entry[]> {
    let entries = await findUsers(c, attributeSettings, matches, signal);
    const upn = matches.length === 1 && matches[0]!.attribute === 'userPrincipalName' ? matches[0]!.value : undefined;
    if (entries.length === 0 && upn && config.domain) {
      // AD also accepts the implicit UPN sAMAccountName@<dns domain> for accounts without userPrincipalName.
      const at = upn.lastIndexOf('@');
      if (upn.slice(at + 1).toLowerCase() === config.domain.toLowerCase()) {
        entries = await findUsers(
          c,
          attributeSettings,
          [{ attribute: 'sAMAccountName', value: upn.slice(0, at) }],
          signal,
        );
      }
    }
    return entries;
  }

  async function attributesOf(c: DirectoryConnection, entry: Entry, signal: AbortSignal): Promise<UserAttributes> {
    const base = toUserAttributes(entry, attributeSettings);
    if (!base) throw new AgentError(AGENT_ERROR_CODES.DC_PROTOCOL, `entry ${entry.dn} has no objectGUID`);
    const groups = await groupNames(c, attributeSettings, entry, groupGraph, signal);
    // The wire contract's limits (lengths, group count) are checked here, at the agent's boundary.
    const parsed = directoryAttributesSchema.safeParse(groups ? { ...base, groups } : base);
    if (!parsed.success) {
      throw new AgentError(
        AGENT_ERROR_CODES.DC_PROTOCOL,
        `attributes of ${entry.dn} do not fit the protocol: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data;
  }

  async function attempt(
    target: ReturnType<typeof checkInput> & { ok: true },
    password: string,
    signal: AbortSignal,
  ): Promise<Omit<ValidationResult, 'elapsedMs'> & { reason?: string }> {
    const dcs = await dcSet.candidates();
    if (dcs.length === 0) return { outcome: 'directory_unavailable', reason: 'no DC configured or discovered' };
    let bindName: string;
    let found: Entry | undefined;
    let order = dcs;
    if (target.target.kind === 'search') {
      const matches = target.target.matches;
      const step = await serviceStep(dcs, signal, (c) => lookupEntry(c, matches, signal));
      if (!step.ok) return { outcome: step.outcome, dc: step.dc?.label, reason: step.error?.message };
      if (step.value.length !== 1) {
        // No bind at all: an unknown or ambiguous login id is a wrong sign-in, not a hint about which.
        return {
          outcome: 'invalid_credentials',
          dc: step.dc.label,
          reason: step.value.length === 0 ? 'no user has this login id' : 'login id matches several users',
        };
      }
      found = step.value[0]!;
      bindName = found.dn;
      // Bind on the DC that answered the search first: it certainly knows the user.
      order = [step.dc, ...dcs.filter((d) => d.label !== step.dc.label)];
    } else {
      bindName = target.target.bindName;
    }

    // Prefetch: look the user's attributes up on a service connection while the bind is in flight, so a sign-in
    // costs the latency of the bind alone. The result is used only if the bind says ok.
    const collect = (sc: DirectoryConnection) => collectAttributes(sc, found, target, signal);
    const cached = attributeCache.get(target.username);
    const prefetch =
      service && !found && !cached && config.attributes.prefetch
        ? serviceStep(dcs, signal, collect, order[0])
        : undefined;

    const failures: Error[] = [];
    for (const dc of order) {
      const pool = poolsFor(dc).user;
      let c: DirectoryConnection;
      try {
        c = await pool.acquire(signal);
      } catch (error) {
        if (signal.aborted) return { outcome: 'directory_timeout', dc: dc.label, reason: (error as Error).message };
        failures.push(error as Error);
        markDown(dc, error as Error, signal);
        continue;
      }
      let outcome: Outcome;
      try {
        // Counted only when the bind is really written: c.bind() checks the socket in this same tick.
        if (c.usable) metrics.userBinds.inc({ dc: dc.label });
        await c.bind(bindName, password, true, signal);
        outcome = 'ok';
      } catch (error) {
        if (error instanceof DirectoryTransportError && error.beforeCredentials) {
          // The bind was never written (the connection had just closed): safe to use the next DC.
          pool.release(c, false);
          failures.push(error);
          continue;
        }
        outcome = signal.aborted ? 'directory_timeout' : outcomeFromBindError(error);
        // A credential answer (result 49) leaves the connection fit for the next re-bind; anything else breaks it.
        const reusable = (error as { code?: unknown }).code === 49;
        pool.release(c, reusable);
        if (error instanceof DirectoryTransportError && error.code === AGENT_ERROR_CODES.DC_TIMEOUT) {
          markDown(dc, error, signal);
        }
        attributeCache.delete(target.username);
        return { outcome, dc: dc.label, reason: (error as Error).message };
      }
      dcSet.markUp(dc.label);
      if (cached) {
        pool.release(c, true);
        return { outcome, dc: dc.label, attributes: cached };
      }
      // ok: collect the attributes for the cloud.
      if (!service) {
        // No service account: read with the user's own bind, on this connection, within this attempt.
        try {
          const attributes = await collectAttributes(c, found, target, signal);
          attributeCache.set(target.username, attributes);
          pool.release(c, true);
          return { outcome, dc: dc.label, attributes };
        } catch (error) {
          pool.release(c, false);
          return {
            outcome: 'directory_error',
            dc: dc.label,
            reason: `password verified, attributes unavailable: ${(error as Error).message}`,
          };
        }
      }
      pool.release(c, true);
      const step = await (prefetch ?? serviceStep(dcs, signal, collect, dc));
      if (!step.ok) {
        return {
          outcome: step.outcome === 'directory_unavailable' ? 'directory_unavailable' : 'directory_error',
          dc: dc.label,
          reason: `password verified, attributes unavailable: ${step.error?.message ?? step.outcome}`,
        };
      }
      attributeCache.set(target.username, step.value);
      return { outcome, dc: dc.label, attributes: step.value };
    }
    return { outcome: worstTransportOutcome(failures), reason: failures.map((f) => f.message).join('; ') };
  }

  /** The user's entry (already found, or looked up now) converted to the attributes for the cloud. */
  async function collectAttributes(
    c: DirectoryConnection,
    found: Entry | undefined,
    check: ReturnType<typeof checkInput> & { ok: true },
    signal: AbortSignal,
  ): Promise<UserAttributes> {
    const entries = found ? [found] : await lookupEntry(c, [lookupOf(check)], signal);
    if (entries.length !== 1) {
      throw new AgentError(AGENT_ERROR_CODES.DC_PROTOCOL, `found ${entries.length} entries for the user`);
    }
    return attributesOf(c, entries[0]!, signal);
  }

  function lookupOf(check: ReturnType<typeof checkInput> & { ok: true }): AttributeMatch {
    if (check.target.kind !== 'direct') throw new Error('unreachable');
    return check.target.lookup;
  }

  function withDeadline<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeouts.overallMs);
    return fn(controller.signal).finally(() => clearTimeout(timer));
  }

  function record(
    operation: 'validate' | 'change_password',
    username: string | undefined,
    started: number,
    result: { outcome: Outcome; dc?: string; reason?: string },
  ): number {
    const elapsedMs = Math.round((performance.now() - started) * 1000) / 1000;
    metrics.outcomes.inc({ operation, outcome: result.outcome });
    metrics.duration.observe({ operation }, elapsedMs / 1000);
    const infra = result.outcome.startsWith('directory_');
    const line = {
      event: operation,
      // A refused username may be garbage (control characters, megabytes): log a bounded, JSON-safe excerpt.
      username: typeof username === 'string' ? username.slice(0, 256) : undefined,
      dc: result.dc,
      outcome: result.outcome,
      elapsed_ms: elapsedMs,
      ...(result.reason && result.outcome !== 'ok' ? { reason: result.reason } : {}),
    };
    if (infra) logger.warn(line, `${operation}: ${result.outcome}`);
    else logger.info(line, `${operation}: ${result.outcome}`);
    return elapsedMs;
  }

  async function validate(username: string, password: string): Promise<ValidationResult> {
    const started = performance.now();
    if (closed) {
      const elapsedMs = record('validate', username, started, { outcome: 'directory_error', reason: 'closed' });
      return { outcome: 'directory_error', elapsedMs };
    }
    const check = checkInput(username, password, config.login);
    if (!check.ok) {
      const elapsedMs = record('validate', printable(username), started, {
        outcome: 'bad_request',
        reason: check.reason,
      });
      return { outcome: 'bad_request', elapsedMs };
    }
    let result: Awaited<ReturnType<typeof attempt>>;
    try {
      result = await withDeadline((signal) => attempt(check, password, signal));
    } catch (error) {
      result = { outcome: 'directory_error', reason: (error as Error).message };
    }
    const elapsedMs = record('validate', check.username, started, result);
    const { reason: _reason, ...rest } = result;
    return { ...rest, elapsedMs };
  }

  async function changePassword(
    username: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<PasswordChangeResult> {
    const started = performance.now();
    const check = checkInput(username, oldPassword, config.login);
    const newProblem = checkText('new password', newPassword, MAX_PASSWORD_LENGTH);
    if (!check.ok || newProblem) {
      const reason = check.ok ? newProblem : check.reason;
      const elapsedMs = record('change_password', printable(username), started, { outcome: 'bad_request', reason });
      return { outcome: 'bad_request', elapsedMs };
    }
    let result: { outcome: Outcome; dc?: string; reason?: string };
    if (closed) result = { outcome: 'directory_error', reason: 'closed' };
    else if (!service)
      result = { outcome: 'directory_error', reason: 'password change needs directory.serviceAccount' };
    else if (transport === 'plain') result = { outcome: 'directory_error', reason: 'password change needs TLS' };
    else {
      result = await withDeadline(async (signal) => {
        const dcs = await dcSet.candidates();
        if (dcs.length === 0) return { outcome: 'directory_unavailable' as Outcome };
        const matches = check.target.kind === 'search' ? check.target.matches : [check.target.lookup];
        const step = await serviceStep(dcs, signal, async (c, dc) => {
          const entries = await lookupEntry(c, matches, signal);
          if (entries.length !== 1) return { outcome: 'invalid_credentials' as Outcome, reason: 'no single user' };
          metrics.userBinds.inc({ dc: dc.label });
          try {
            // A delete of the old value plus an add of the new one is a CHANGE (the DC checks the old password and
            // the policy), not an administrative reset; any authenticated account may send it (active-directory.md).
            await c.modify(
              entries[0]!.dn,
              [
                new Change({
                  operation: 'delete',
                  modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(oldPassword)] }),
                }),
                new Change({
                  operation: 'add',
                  modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }),
                }),
              ],
              signal,
            );
            return { outcome: 'ok' as Outcome };
          } catch (error) {
            if (error instanceof DirectoryTransportError) throw error;
            return { outcome: outcomeFromPasswordChangeError(error), reason: (error as Error).message };
          }
        });
        if (!step.ok) return { outcome: step.outcome, dc: step.dc?.label, reason: step.error?.message };
        return { ...step.value, dc: step.dc.label };
      }).catch((error: Error) => ({ outcome: 'directory_error' as Outcome, reason: error.message }));
    }
    const elapsedMs = record('change_password', check.username, started, result);
    return { outcome: result.outcome, ...(result.dc ? { dc: result.dc } : {}), elapsedMs };
  }

  async function health(): Promise<DirectoryHealth> {
    await dcSet.refresh();
    const report = await Promise.all(
      dcSet.all.map(async (dc): Promise<DcHealth> => {
        const p = poolsFor(dc);
        let reachable = false;
        let error: string | undefined;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), config.timeouts.connectMs + config.timeouts.operationMs);
        try {
          if (p.service) {
            const c = await p.service.acquire(controller.signal);
            try {
              await c.search('', { scope: 'base', attributes: ['dnsHostName'] }, controller.signal);
              p.service.release(c, true);
            } catch (e) {
              p.service.release(c, false);
              throw e;
            }
          } else {
            const c = await DirectoryConnection.open(dc, connectionSettings, controller.signal);
            await c.close();
          }
          reachable = true;
        } catch (e) {
          error = (e as Error).message;
        } finally {
          clearTimeout(timer);
        }
        return {
          dc: dc.label,
          markedDown: dcSet.isDown(dc.label),
          reachable,
          ...(error ? { error } : {}),
          pools: { user: p.user.stats, ...(p.service ? { service: p.service.stats } : {}) },
        };
      }),
    );
    const up = report.filter((r) => r.reachable).length;
    return { status: up === report.length && up > 0 ? 'ok' : up > 0 ? 'degraded' : 'down', dcs: report };
  }

  const sweeper = setInterval(() => {
    for (const p of pools.values()) {
      p.user.sweep();
      p.service?.sweep();
    }
  }, config.pool.healthCheckIntervalMs);
  sweeper.unref();

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearInterval(sweeper);
    await Promise.all([...pools.values()].flatMap((p) => [p.user.close(), p.service?.close()]));
  }

  return { validate, changePassword, health, close, metrics: metrics.registry };
}
