/**
 * The agents' WebSocket endpoint on the cloud's HTTPS port. Agents connect outbound only (they may sit behind a
 * firewall and an HTTP CONNECT proxy) with mutual TLS; the gateway authenticates the client certificate at the HTTP
 * upgrade, before any WebSocket exists, then hands the socket to an AgentConnection.
 *
 * The HTTPS server must request client certificates without requiring them (`requestCert: true,
 * rejectUnauthorized: false`, agent CA in `ca`): browsers on the same port present none, and the gateway refuses an
 * upgrade without a valid agent certificate with 401 and a reason the agent logs.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CLOSE_CODES, type EnvelopePublicKey, MAX_FRAME_BYTES } from '@openpta/protocol';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createDispatcher, type Dispatcher } from '../dispatch/index.ts';
import { AgentConnection, type AgentConnectionShared } from './agent-connection.ts';
import type { AgentActivity, AgentIdentity, AuthenticateAgent, ChannelAnswer, ChannelRequest } from './types.ts';

/** A socket error listener shared by all sockets (a closure per socket would be held for the connection's life). */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * Node's symbol for a socket's idle timer (net.Socket[kTimeout], null until setTimeout() arms it), looked up once.
 * The HTTPS server arms it on every new socket (the app's connectionTimeout); ws disarms it at the upgrade
 * (setTimeout(0)) but the disarmed Timeout stays referenced from the socket for the connection's life: about 0.2 KiB
 * per idle agent connection (issue 5 (d)).
 */
let socketTimeoutSymbol: symbol | undefined;

/** Drops the socket's reference to a disarmed idle timer (Node's own initial value is null); an armed one stays. */
function dropDisarmedTimer(socket: Duplex): void {
  socketTimeoutSymbol ??= Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout');
  if (socketTimeoutSymbol === undefined) return;
  const slots = socket as unknown as Record<symbol, { _destroyed?: boolean } | null | undefined>;
  if (slots[socketTimeoutSymbol]?._destroyed === true) slots[socketTimeoutSymbol] = null;
}

/**
 * A server TLSSocket keeps the options it was created with (`_tlsOptions`: 128 bytes plus the copy of the ALPN list
 * Node makes for every socket, 0.2 KiB per connection). After the handshake Node reads only `isServer` and `server`
 * from them (its error and keylog paths; the rest serves the handshake, renegotiation and client sessions), so an
 * upgraded agent socket gets one shared object per server holding just these two.
 */
const handshakeDoneTlsOptions = new WeakMap<object, { readonly isServer: true; readonly server: object }>();

function releaseHandshakeTlsOptions(socket: Duplex): void {
  const tlsSocket = socket as unknown as { _tlsOptions?: { isServer?: boolean; server?: object } | null };
  const options = tlsSocket._tlsOptions;
  if (options?.isServer !== true || typeof options.server !== 'object' || !(socket as TLSSocket).encrypted) return;
  let shared = handshakeDoneTlsOptions.get(options.server);
  if (shared === undefined) {
    shared = Object.freeze({ isServer: true, server: options.server });
    handshakeDoneTlsOptions.set(options.server, shared);
  }
  tlsSocket._tlsOptions = shared;
}

/** The path agents open their WebSocket on. */
export const AGENT_CONNECT_PATH = '/agent/v1/connect';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
const DEFAULT_ACTIVITY_FLUSH_MS = 10_000;

export interface AgentGatewayOptions {
  readonly authenticate: AuthenticateAgent;
  readonly logger: Logger;
  readonly dispatcher?: Dispatcher<ChannelRequest, ChannelAnswer>;
  /** Overall timeout per request when the gateway creates the dispatcher. */
  readonly requestTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly helloTimeoutMs?: number;
  /**
   * Receives, every activityFlushMs, the connections with something new (counters, in flight, or a later lastSeen
   * after a heartbeat), and every disconnect (to update the agents registry).
   */
  readonly onActivity?: (activity: readonly AgentActivity[]) => void | Promise<void>;
  readonly activityFlushMs?: number;
  /** Name of this cloud node in welcome frames and logs. */
  readonly node?: string;
  /** Called for every refused answer (metrics). */
  readonly onRejectedAnswer?: (reason: string) => void;
  /** An agent completed its hello, or a connection that had done so closed (the audit log records both). */
  readonly onConnectionEvent?: (event: AgentConnectionEvent) => void;
}

export interface AgentConnectionEvent {
  readonly type: 'connected' | 'disconnected';
  readonly agentId: string;
  readonly tenantId: string;
  readonly node: string;
  readonly remoteAddress?: string | undefined;
  readonly agentVersion?: string | undefined;
  readonly hostname?: string | undefined;
  /** For `disconnected`: the WebSocket close code and reason (RFC 6455 7.4). */
  readonly closeCode?: number | undefined;
  readonly reason?: string | undefined;
}

export interface DrainOptions {
  /** Where agents should reconnect (another node); omitted = the same URL (a load balancer picks another node). */
  readonly url?: string;
  /** How long the agents wait before reconnecting. */
  readonly delayMs?: number;
  /** How long to wait for in-flight requests before closing every connection. */
  readonly timeoutMs?: number;
}

export interface RetireAgentOptions {
  /** The agent's new envelope key (after a renewal): requests are sealed to it from now on. */
  readonly envelopeKey?: EnvelopePublicKey;
  /** Sent in the reconnect frame: how long the agent waits before connecting anew. */
  readonly delayMs?: number;
  /** Connections still open after this long are closed with 4011 (superseded). */
  readonly graceMs: number;
  /** Leave alone the connections that present this certificate (already the current one). */
  readonly keepFingerprint?: string;
}

/** One live connection as the periodic re-check sees it. */
export interface ConnectedIdentity {
  readonly agentId: string;
  readonly tenantId: string;
  readonly certificateFingerprint: string | undefined;
  readonly retiring: boolean;
}

export interface AgentGateway {
  readonly dispatcher: Dispatcher<ChannelRequest, ChannelAnswer>;
  /** Listens for upgrades on AGENT_CONNECT_PATH of this HTTPS server. */
  attach(server: HttpServer): void;
  /** The envelope keys of the connected agents of a tenant, by agent id. */
  connectedKey(tenantId: string, agentId: string): AgentConnection['identity']['envelopeKey'] | undefined;
  connectionCount(): number;
  /** Closes every connection of one agent (revocation, renewal). */
  disconnectAgent(agentId: string, reason: 'revoked' | 'superseded' | 'unauthorized'): number;
  /**
   * After a renewal: every connection of the agent gets `reconnect` (reason renew-certificate) and takes no new
   * request; in-flight ones finish on it; the agent reconnects with its new certificate. Returns the connection count.
   */
  retireAgent(agentId: string, options: RetireAgentOptions): number;
  /** Every live connection's agent and certificate (the periodic re-check against the store). */
  connectedIdentities(): ConnectedIdentity[];
  /** SIGTERM path: tell every agent to reconnect elsewhere, let in-flight requests finish, then close. */
  drain(options?: DrainOptions): Promise<void>;
  close(): Promise<void>;
}

export function createAgentGateway(options: AgentGatewayOptions): AgentGateway {
  const logger = options.logger.child({ component: 'agent-gateway' });
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const node = options.node ?? `${hostname()}:${process.pid}`;
  const dispatcher =
    options.dispatcher ??
    createDispatcher<ChannelRequest, ChannelAnswer>(
      options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs },
    );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    WebSocket: AgentConnection.WebSocket,
  });
  const connections = new Set<AgentConnection>();
  // The same connections by agent: connectedKey() runs once per recipient of every sign-in, and a scan of all
  // connections there would cost 10,000 steps per sign-in on a node holding 10,000 agents. Keyed by the agent id alone
  // (unique across tenants; connectedKey checks the tenant) and holding the connection itself until the agent has a
  // second one (renewal, reconnect): no key string and no Set per agent, about 0.25 KiB per agent (issue 5 (d)).
  const byAgent = new Map<string, AgentConnection | Set<AgentConnection>>();
  const track = (c: AgentConnection) => {
    connections.add(c);
    const id = c.identity.agentId;
    const held = byAgent.get(id);
    if (held === undefined) byAgent.set(id, c);
    else if (held instanceof Set) held.add(c);
    else byAgent.set(id, new Set([held, c]));
  };
  const untrack = (c: AgentConnection) => {
    connections.delete(c);
    const id = c.identity.agentId;
    const held = byAgent.get(id);
    if (held === c) byAgent.delete(id);
    else if (held instanceof Set && held.delete(c) && held.size === 1) {
      for (const last of held) byAgent.set(id, last);
    }
  };
  const retireTimers = new Set<NodeJS.Timeout>();
  const servers = new Set<HttpServer>();
  let accepting = true;
  let closed = false;

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const c of connections) c.heartbeat(now);
  }, heartbeatIntervalMs);
  heartbeat.unref();

  const pendingActivity: AgentActivity[] = [];
  function activityOf(c: AgentConnection, connected: boolean): AgentActivity | undefined {
    const stats = c.session?.stats();
    if (stats === undefined) return undefined;
    const inFlight = connected ? stats.inFlight : 0;
    const servedDelta = stats.served - c.reportedServed;
    const failedDelta = stats.failed - c.reportedFailed;
    const lastSeen = Math.max(stats.lastSeen, c.lastFrameAt);
    const changed = !connected || servedDelta !== 0 || failedDelta !== 0 || inFlight !== c.reportedInFlight;
    // An idle agent between two heartbeats: nothing to write.
    if (!changed && lastSeen === c.reportedLastSeen) return undefined;
    c.reportedLastSeen = lastSeen;
    const activity: AgentActivity = {
      agentId: c.identity.agentId,
      tenantId: c.identity.tenantId,
      lastSeen,
      inFlight,
      servedDelta,
      failedDelta,
      connected,
      changed,
      remoteAddress: c.remoteAddress,
      agentVersion: c.agentVersion,
      hostname: c.hostname,
    };
    c.reportedServed = stats.served;
    c.reportedFailed = stats.failed;
    c.reportedInFlight = inFlight;
    return activity;
  }
  async function flushActivity(): Promise<void> {
    if (options.onActivity === undefined) return;
    const batch = pendingActivity.splice(0);
    for (const c of connections) {
      const a = activityOf(c, true);
      if (a !== undefined) batch.push(a);
    }
    if (batch.length === 0) return;
    try {
      await options.onActivity(batch);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not record agent activity');
    }
  }
  const activityTimer = setInterval(() => void flushActivity(), options.activityFlushMs ?? DEFAULT_ACTIVITY_FLUSH_MS);
  activityTimer.unref();

  // One object for all connections (their callbacks take the connection as argument): nothing per connection here.
  const connectionShared: AgentConnectionShared = {
    dispatcher,
    logger,
    heartbeatIntervalMs,
    helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    node,
    onClosed: (c, close) => {
      untrack(c);
      const a = activityOf(c, false);
      if (a !== undefined) pendingActivity.push(a);
      if (close?.wasReady) {
        options.onConnectionEvent?.({
          ...connectionFacts(c),
          type: 'disconnected',
          closeCode: close.code,
          reason: close.reason.slice(0, 200),
        });
      }
    },
    onReady: (c) => options.onConnectionEvent?.({ ...connectionFacts(c), type: 'connected' }),
    onRejectedAnswer: options.onRejectedAnswer,
  };

  function refuse(socket: Duplex, status: 401 | 403 | 404 | 503, closeCode: number, reason: string): void {
    const text = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Service Unavailable'}\r\n` +
        `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `X-Openpta-Close-Code: ${closeCode}\r\n\r\n${text}`,
    );
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENT_CONNECT_PATH) {
      // Another plugin may own this path; if nobody else listens, answer instead of leaving the socket hanging.
      const server = [...servers].find((s) => s.listenerCount('upgrade') > 1);
      if (server === undefined) refuse(socket, 404, CLOSE_CODES.protocolError, 'no WebSocket endpoint at this path');
      return;
    }
    socket.on('error', destroySocket);
    const remoteAddress = (socket as TLSSocket).remoteAddress;
    if (!accepting) {
      refuse(socket, 503, CLOSE_CODES.draining, 'this cloud node is draining: reconnect later');
      return;
    }
    let auth: Awaited<ReturnType<AuthenticateAgent>>;
    try {
      auth = await options.authenticate(socket as TLSSocket);
    } catch (error) {
      logger.error(
        { err: error instanceof Error ? error.message : String(error), remoteAddress },
        'agent authentication failed',
      );
      refuse(socket, 503, CLOSE_CODES.goingAway, 'could not check the agent certificate: retry later');
      return;
    }
    if (!auth.ok) {
      logger.warn({ remoteAddress, code: auth.code, reason: auth.reason }, 'refused an agent connection');
      const closeCode = auth.code === 'revoked' ? CLOSE_CODES.revoked : CLOSE_CODES.unauthorized;
      refuse(socket, auth.code === 'revoked' ? 403 : 401, closeCode, auth.reason);
      return;
    }
    if (!accepting || socket.destroyed) {
      refuse(socket, 503, CLOSE_CODES.draining, 'this cloud node is draining: reconnect later');
      return;
    }
    // A literal of fixed shape: the authenticator's object (built by spreading) keeps its fields out of line.
    const { agentId, tenantId, envelopeKey, domains, certificateFingerprint } = auth.identity;
    const identity: AgentIdentity = { agentId, tenantId, envelopeKey, domains, certificateFingerprint };
    // ws takes over the socket's errors from here (its own listener destroys the socket). Removed first so Node keeps a
    // two-listener array for the socket's error event instead of growing it to a three-listener one (0.14 KiB).
    socket.off('error', destroySocket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      dropDisarmedTimer(socket);
      releaseHandshakeTlsOptions(socket);
      // An AgentConnection.WebSocket: the class the WebSocketServer was given.
      const agentWs = ws as InstanceType<typeof AgentConnection.WebSocket>;
      track(new AgentConnection(connectionShared, agentWs, identity, remoteAddress));
    });
  }

  function connectionFacts(c: AgentConnection) {
    return {
      agentId: c.identity.agentId,
      tenantId: c.identity.tenantId,
      node,
      remoteAddress: c.remoteAddress,
      agentVersion: c.agentVersion,
      hostname: c.hostname,
    };
  }

  const upgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void onUpgrade(req, socket, head);
  };

  function connectedKey(tenantId: string, agentId: string) {
    const held = byAgent.get(agentId);
    if (held === undefined) return undefined;
    if (!(held instanceof Set)) return held.identity.tenantId === tenantId ? held.identity.envelopeKey : undefined;
    let key: EnvelopePublicKey | undefined;
    for (const c of held) {
      if (c.identity.tenantId !== tenantId) continue;
      // A connection that is not retiring has the freshest identity (read from the store at its upgrade).
      if (!c.retiring) return c.identity.envelopeKey;
      key ??= c.identity.envelopeKey;
    }
    return key;
  }

  async function drain(drainOptions: DrainOptions = {}): Promise<void> {
    accepting = false;
    for (const c of [...connections]) {
      c.retire({
        type: 'reconnect',
        reason: 'draining',
        ...(drainOptions.url === undefined ? {} : { url: drainOptions.url }),
        ...(drainOptions.delayMs === undefined ? {} : { delayMs: drainOptions.delayMs }),
      });
    }
    // Agents stop sending credit at once; what they already took finishes (or times out in the dispatcher).
    const deadline = Date.now() + (drainOptions.timeoutMs ?? 20_000);
    while (dispatcher.inFlight() > 0 && Date.now() < deadline && connections.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const c of [...connections]) c.close(CLOSE_CODES.draining, 'cloud node draining');
    await flushActivity();
  }

  return {
    dispatcher,
    attach(server) {
      servers.add(server);
      server.on('upgrade', upgradeListener);
    },
    connectedKey,
    connectionCount: () => connections.size,
    disconnectAgent(agentId, reason) {
      let n = 0;
      for (const c of [...connections]) {
        if (c.identity.agentId !== agentId) continue;
        n++;
        c.close(CLOSE_CODES[reason], `agent ${reason}`);
      }
      return n;
    },
    retireAgent(agentId, retireOptions) {
      const retiring: AgentConnection[] = [];
      for (const c of [...connections]) {
        if (c.identity.agentId !== agentId || c.retiring) continue;
        if (
          retireOptions.keepFingerprint !== undefined &&
          c.identity.certificateFingerprint === retireOptions.keepFingerprint
        )
          continue;
        if (retireOptions.envelopeKey !== undefined)
          c.identity = { ...c.identity, envelopeKey: retireOptions.envelopeKey };
        c.retire({
          type: 'reconnect',
          reason: 'renew-certificate',
          ...(retireOptions.delayMs === undefined ? {} : { delayMs: retireOptions.delayMs }),
        });
        retiring.push(c);
      }
      if (retiring.length > 0) {
        const timer = setTimeout(() => {
          retireTimers.delete(timer);
          for (const c of retiring) c.close(CLOSE_CODES.superseded, 'agent renewed: this certificate is superseded');
        }, retireOptions.graceMs);
        timer.unref();
        retireTimers.add(timer);
      }
      return retiring.length;
    },
    connectedIdentities() {
      return [...connections].map((c) => ({
        agentId: c.identity.agentId,
        tenantId: c.identity.tenantId,
        certificateFingerprint: c.identity.certificateFingerprint,
        retiring: c.retiring,
      }));
    },
    drain,
    async close() {
      if (closed) return;
      closed = true;
      accepting = false;
      clearInterval(heartbeat);
      clearInterval(activityTimer);
      for (const t of retireTimers) clearTimeout(t);
      retireTimers.clear();
      for (const c of [...connections]) c.close(CLOSE_CODES.goingAway, 'cloud shutting down');
      await flushActivity();
      for (const s of servers) s.off('upgrade', upgradeListener);
      servers.clear();
      dispatcher.close();
      wss.close();
    },
  };
}
