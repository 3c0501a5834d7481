/**
 * The agent's side of the channel: one outbound WebSocket to the cloud's HTTPS port with mutual TLS (optionally
 * through an HTTP CONNECT proxy), hello/welcome, credit-based flow control, heartbeats, and reconnection in-process
 * with jittered exponential backoff. It never exits the process to reconnect.
 *
 * Flow control: the agent grants the cloud `maxInFlight` credits after welcome and one more after each finished
 * request (coalesced per tick and sent with the answers), so the cloud never sends more than the agent can work on at
 * once.
 */
import { hostname as osHostname } from 'node:os';
import tls from 'node:tls';
import {
  type ChangePasswordRequestFrame,
  CLOSE_CODES,
  type CloudFrame,
  CREDITS_IN_ANSWERS_VERSION,
  encodeFrame,
  type Frame,
  MAX_FRAME_BYTES,
  parseFrame,
  SUPPORTED_PROTOCOL_VERSIONS,
  sendCorked,
  TERMINAL_CLOSE_CODES,
  type ValidateRequestFrame,
} from '@openpta/protocol';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffDelay } from './backoff.ts';
import { openProxyTunnel, proxyFromEnvironment } from './proxy-tunnel.ts';

export type ChannelRequestFrame = ValidateRequestFrame | ChangePasswordRequestFrame;
/**
 * What a handler answers: the response frame, or an error frame for this request (e.g. the envelope did not open).
 * The client may add `credits` to a response frame before sending it (protocol version 2).
 */
export type ChannelResponseFrame = Extract<Frame, { type: 'validate-response' | 'change-password-response' | 'error' }>;
export type ChannelRequestHandler = (
  request: ChannelRequestFrame,
  signal: AbortSignal,
) => Promise<ChannelResponseFrame>;

export type ChannelState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'terminal' | 'stopped';

export interface ChannelClientOptions {
  /** wss://host:port/agent/v1/connect */
  readonly url: string;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Read before every connection attempt when given (a renewed certificate is picked up on the next connect). */
  readonly credentials?: () => { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** CA that issued the cloud's server certificate; default: the system store. */
  readonly ca?: string | Buffer | undefined;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never. */
  readonly proxyUrl?: string | null | undefined;
  readonly handler: ChannelRequestHandler;
  readonly logger: Logger;
  /** Requests the agent works on at once (its credit window). */
  readonly maxInFlight?: number;
  readonly agentVersion?: string;
  readonly hostname?: string;
  readonly capabilities?: readonly string[];
  readonly connectTimeoutMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number; readonly random?: () => number };
  /** Observers for metrics and health; must not throw. */
  readonly onStateChange?: (state: ChannelState, detail?: string) => void;
  readonly onRequestDone?: (kind: ChannelRequestFrame['type'], outcome: string, durationMs: number) => void;
}

export interface ChannelClient {
  start(): void;
  /** Stops taking work, waits for in-flight requests (up to timeoutMs), closes; never reconnects after. */
  stop(timeoutMs?: number): Promise<void>;
  /** Drops every connection at once, abandoning in-flight work, and never reconnects (a dying process). */
  abort(): void;
  /**
   * Connects anew (e.g. with a renewed certificate) without dropping work: the current connection takes no new
   * request and closes once its in-flight requests are answered and the new connection is up.
   */
  reconnect(reason: string): void;
  readonly state: ChannelState;
  readonly inFlight: number;
  /** The agent and tenant ids the cloud confirmed in welcome (once connected). */
  readonly identity: { agentId: string; tenantId: string } | undefined;
  /** Resolves when the client is connected (welcome received) the next time. */
  whenConnected(signal?: AbortSignal): Promise<void>;
}

interface Link {
  readonly ws: WebSocket;
  /** The client certificate this connection presented (a refusal as superseded checks it against the disk). */
  readonly cert: string;
  retireTimer: NodeJS.Timeout | undefined;
  /** Retired and no successor came in time: close as soon as idle. */
  retireExpired: boolean;
  welcomed: boolean;
  /** The protocol version the cloud chose in welcome (0 before). */
  version: number;
  retiring: boolean;
  inFlight: number;
  pendingCredit: number;
  creditScheduled: boolean;
  lastFrameAt: number;
  heartbeatMs: number;
  watchdog: NodeJS.Timeout | undefined;
  readonly aborts: Set<AbortController>;
}

export function createChannelClient(options: ChannelClientOptions): ChannelClient {
  const logger = options.logger.child({ component: 'channel' });
  const maxInFlight = options.maxInFlight ?? 32;
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const backoff = {
    baseMs: options.backoff?.baseMs ?? 1000,
    maxMs: options.backoff?.maxMs ?? 60_000,
    random: options.backoff?.random,
  };
  let state: ChannelState = 'idle';
  let attempt = 0;
  let current: Link | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let targetUrl = options.url;
  let identity: { agentId: string; tenantId: string } | undefined;
  const links = new Set<Link>();
  let connectedWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  function setState(next: ChannelState, detail?: string): void {
    if (state === next) return;
    state = next;
    options.onStateChange?.(next, detail);
  }

  function totalInFlight(): number {
    let n = 0;
    for (const l of links) n += l.inFlight;
    return n;
  }

  function send(link: Link, frame: Frame): void {
    if (link.ws.readyState === WebSocket.OPEN) sendCorked(link.ws, encodeFrame(frame));
  }

  /** Whether this connection may still be given credit (not retiring, the client not stopping, welcomed). */
  function creditable(link: Link): boolean {
    return !link.retiring && !stopping && link.welcomed;
  }

  function grant(link: Link, credits: number): void {
    if (!creditable(link)) return;
    link.pendingCredit += credits;
    if (link.creditScheduled) return;
    link.creditScheduled = true;
    // Coalesce: one credit frame for every request that finished in this tick. process.nextTick, not setImmediate:
    // scheduled before the answer is sent (see serve), it runs before sendCorked uncorks the socket, so the credit
    // leaves in the same TLS record and write as the answers instead of in a write (and a cloud read) of its own.
    process.nextTick(() => {
      link.creditScheduled = false;
      const n = link.pendingCredit;
      link.pendingCredit = 0;
      if (n > 0 && !link.retiring && !stopping) send(link, { type: 'credit', credits: n });
    });
  }

  async function openSocket(url: URL, cert: string | Buffer, key: string | Buffer): Promise<WebSocket> {
    const proxy = options.proxyUrl === null ? undefined : (options.proxyUrl ?? proxyFromEnvironment(url));
    const servername = /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname;
    const common = {
      handshakeTimeout: connectTimeoutMs,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      cert,
      key,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    if (proxy === undefined) return new WebSocket(url, common);
    const port = url.port === '' ? 443 : Number(url.port);
    const tunnel = await openProxyTunnel({
      proxyUrl: proxy,
      targetHost: url.hostname.replace(/^\[|\]$/g, ''),
      targetPort: port,
      timeoutMs: connectTimeoutMs,
    });
    logger.debug({ proxy: new URL(proxy).host }, 'tunnel through proxy established');
    return new WebSocket(url, {
      ...common,
      // TLS runs end to end inside the tunnel: the proxy sees only ciphertext.
      createConnection: () =>
        tls.connect({
          socket: tunnel,
          ...(servername === undefined ? {} : { servername }),
          cert,
          key,
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        }),
    });
  }

  function scheduleReconnect(reason: string): void {
    if (stopping || state === 'terminal') return;
    if (retryTimer !== undefined) return;
    const delay = backoffDelay(attempt++, backoff);
    setState('backoff', reason);
    logger.warn({ reason, retryInMs: delay, attempt }, 'cloud connection lost: reconnecting');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  function terminal(reason: string): void {
    setState('terminal', reason);
    logger.error({ reason }, 'the cloud refused this agent: it will not reconnect (re-register it)');
  }

  async function connect(): Promise<void> {
    if (stopping) return;
    setState('connecting');
    const url = new URL(targetUrl);
    let ws: WebSocket;
    let credentials: { readonly cert: string | Buffer; readonly key: string | Buffer };
    try {
      credentials = options.credentials?.() ?? options;
      ws = await openSocket(url, credentials.cert, credentials.key);
    } catch (error) {
      scheduleReconnect(error instanceof Error ? error.message : String(error));
      return;
    }
    const link: Link = {
      ws,
      cert: String(credentials.cert),
      retireTimer: undefined,
      retireExpired: false,
      welcomed: false,
      version: 0,
      retiring: false,
      inFlight: 0,
      pendingCredit: 0,
      creditScheduled: false,
      lastFrameAt: Date.now(),
      heartbeatMs: connectTimeoutMs,
      watchdog: undefined,
      aborts: new Set(),
    };
    links.add(link);
    if (stopping) {
      ws.terminate();
      return;
    }
    const welcomeTimer = setTimeout(() => {
      if (!link.welcomed) ws.terminate();
    }, connectTimeoutMs);
    let refusal: { status: number; closeCode: number; reason: string } | undefined;
    ws.on('unexpected-response', (_req, res) => {
      const closeCode = Number(res.headers['x-openpta-close-code'] ?? 0);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 1024) body += chunk;
      });
      res.on('end', () => {
        refusal = { status: res.statusCode ?? 0, closeCode, reason: body.trim().slice(0, 300) };
        ws.terminate();
      });
      res.on('error', () => ws.terminate());
    });
    ws.on('open', () => {
      send(link, {
        type: 'hello',
        versions: [...SUPPORTED_PROTOCOL_VERSIONS],
        agentVersion: options.agentVersion ?? '0.1.0',
        hostname: (options.hostname ?? osHostname()).slice(0, 256),
        ...(options.capabilities === undefined ? {} : { capabilities: [...options.capabilities] }),
      });
    });
    ws.on('message', (data, isBinary) => {
      link.lastFrameAt = Date.now();
      const parsed = parseFrame(isBinary ? (data as Buffer) : (data as Buffer).toString('utf8'), { from: 'cloud' });
      if (!parsed.ok) {
        if (parsed.error.code === 'FRAME_UNKNOWN_TYPE') return;
        logger.warn(
          { code: parsed.error.code, message: parsed.error.message },
          'bad frame from the cloud: reconnecting',
        );
        ws.close(CLOSE_CODES.protocolError, parsed.error.code);
        return;
      }
      onFrame(link, parsed.frame);
    });
    ws.on('error', (error) => {
      logger.debug({ err: error.message }, 'cloud connection error');
    });
    ws.on('close', (code, reasonBuffer) => {
      clearTimeout(welcomeTimer);
      clearTimeout(link.retireTimer);
      if (link.watchdog !== undefined) clearInterval(link.watchdog);
      links.delete(link);
      // Requests of a dead connection cannot be answered: stop them before they bind if they have not yet.
      for (const ac of link.aborts) ac.abort();
      notifyIdle();
      const reason = reasonBuffer.toString('utf8');
      const closeCode = refusal?.closeCode || code;
      if (TERMINAL_CLOSE_CODES.has(closeCode) && !(closeCode === CLOSE_CODES.unauthorized && renewedOnDisk(link))) {
        terminal(refusal?.reason || reason || `close code ${closeCode}`);
        return;
      }
      if (link !== current) return; // a retired connection: its successor is already up
      current = undefined;
      if (stopping) return;
      const why =
        refusal !== undefined
          ? `HTTP ${refusal.status}: ${refusal.reason}`
          : `close ${code}${reason ? ` ${reason}` : ''}`;
      scheduleReconnect(link.welcomed ? why : `could not connect to ${url.host}: ${why}`);
    });
    current = link;
  }

  function onFrame(link: Link, frame: CloudFrame): void {
    switch (frame.type) {
      case 'welcome': {
        if (link.welcomed) return;
        link.welcomed = true;
        link.version = frame.version;
        link.heartbeatMs = frame.heartbeatIntervalMs;
        identity = { agentId: frame.agentId, tenantId: frame.tenantId };
        attempt = 0;
        const skew = frame.serverTime - Date.now();
        logger.info(
          { agentId: frame.agentId, node: frame.node, version: frame.version, clockSkewMs: skew },
          'connected to the cloud',
        );
        if (Math.abs(skew) > 30_000)
          logger.warn(
            { clockSkewMs: skew },
            'clock differs from the cloud by more than 30 s: requests may look expired',
          );
        // Two silent heartbeat intervals mean the connection is dead even if TCP has not noticed.
        link.watchdog = setInterval(
          () => {
            if (Date.now() - link.lastFrameAt > 2 * link.heartbeatMs) {
              logger.warn({ silentMs: Date.now() - link.lastFrameAt }, 'no heartbeat from the cloud');
              link.ws.terminate();
            }
          },
          Math.max(50, Math.floor(link.heartbeatMs / 2)),
        );
        link.watchdog.unref();
        // A previous connection retiring after a reconnect hint: close it once it is idle.
        for (const l of links) if (l !== link && l.retiring && l.inFlight === 0) closeRetired(l);
        setState('connected');
        for (const w of connectedWaiters.splice(0)) w();
        grant(link, maxInFlight);
        return;
      }
      case 'validate-request':
      case 'change-password-request':
        void serve(link, frame);
        return;
      case 'ping':
        send(link, { type: 'pong', id: frame.id, sentAt: frame.sentAt });
        return;
      case 'pong':
        return;
      case 'reconnect':
        retire(link, frame.url, frame.delayMs ?? 0, frame.reason);
        return;
      case 'error':
        logger.warn(
          { code: frame.code, cloudMessage: frame.message, requestId: frame.requestId },
          'the cloud reported an error',
        );
        return;
    }
  }

  /**
   * A refusal as unauthorized right after a renewal: the connection presented the certificate that was current when
   * it started, and the state directory now holds a newer one (the renewal was written meanwhile). Not terminal.
   */
  function renewedOnDisk(link: Link): boolean {
    if (options.credentials === undefined) return false;
    try {
      return String(options.credentials().cert) !== link.cert;
    } catch {
      return false;
    }
  }

  function closeRetired(link: Link): void {
    clearTimeout(link.retireTimer);
    link.ws.close(CLOSE_CODES.normal, 'reconnected');
  }

  /**
   * Reconnect hint: stop taking work here, connect anew (elsewhere if told), and close this connection once it is
   * idle and its successor is up (make before break: requests for this agent wait for the new connection rather than
   * finding none). If no successor comes within the connect timeout, an idle retired connection closes anyway.
   */
  function retire(link: Link, url: string | undefined, delayMs: number, reason: string, from = 'cloud'): void {
    if (link.retiring) return;
    link.retiring = true;
    logger.info({ reason, url, delayMs, from }, 'reconnecting: this connection takes no new request');
    if (url !== undefined) targetUrl = url;
    if (current === link) current = undefined;
    if (stopping) {
      if (link.inFlight === 0) link.ws.close(CLOSE_CODES.normal, 'reconnecting');
      return;
    }
    link.retireTimer = setTimeout(() => {
      link.retireExpired = true;
      if (link.inFlight === 0) closeRetired(link);
    }, delayMs + connectTimeoutMs);
    link.retireTimer.unref();
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    setState('backoff', `reconnect hint: ${reason}`);
    // Jitter the hint's delay too, so a draining node's agents do not all arrive at the next node at once.
    const jittered = delayMs + Math.floor(Math.random() * Math.max(100, delayMs));
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, jittered);
  }

  async function serve(link: Link, request: ChannelRequestFrame): Promise<void> {
    const started = performance.now();
    link.inFlight++;
    const ac = new AbortController();
    link.aborts.add(ac);
    let response: ChannelResponseFrame;
    try {
      if (Date.now() > request.expiresAt) {
        // The cloud has stopped waiting: binding now would only risk a lockout count for nothing.
        response = {
          type: 'error',
          requestId: request.requestId,
          code: 'REQUEST_EXPIRED',
          message: 'the request expired before the agent took it',
        };
      } else {
        response = await options.handler(request, ac.signal);
      }
    } catch (error) {
      logger.error(
        { requestId: request.requestId, err: error instanceof Error ? error.message : String(error) },
        'request handler failed',
      );
      response = {
        type: 'error',
        requestId: request.requestId,
        code: 'AGENT_INTERNAL_ERROR',
        message: 'the agent failed to handle the request',
      };
    } finally {
      link.aborts.delete(ac);
      link.inFlight--;
    }
    if (response.type !== 'error' && link.version >= CREDITS_IN_ANSWERS_VERSION && creditable(link)) {
      // Version 2: the answer carries this request's credit and any not yet sent (the tick's flush then has none).
      response.credits = link.pendingCredit + 1;
      link.pendingCredit = 0;
    } else {
      // Credit first (a no-op on a retiring link): its flush is then queued ahead of the uncork that send() queues.
      grant(link, 1);
    }
    send(link, response);
    options.onRequestDone?.(
      request.type,
      response.type === 'error' ? response.code : response.outcome,
      performance.now() - started,
    );
    if (link.retiring && link.inFlight === 0) {
      if (current?.welcomed === true || stopping || link.retireExpired) closeRetired(link);
    }
    notifyIdle();
  }

  function notifyIdle(): void {
    if (totalInFlight() === 0) for (const w of idleWaiters.splice(0)) w();
  }

  return {
    start() {
      if (state !== 'idle') return;
      void connect();
    },
    async stop(timeoutMs = 10_000) {
      if (stopping) return;
      stopping = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (totalInFlight() > 0) {
        logger.info({ inFlight: totalInFlight() }, 'stopping: finishing in-flight requests');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          idleWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const closing = [...links].map(
        (l) =>
          new Promise<void>((resolve) => {
            if (l.ws.readyState === WebSocket.CLOSED) return resolve();
            const kill = setTimeout(() => l.ws.terminate(), 2000);
            l.ws.once('close', () => {
              clearTimeout(kill);
              resolve();
            });
            if (l.ws.readyState === WebSocket.CONNECTING) l.ws.terminate();
            else l.ws.close(CLOSE_CODES.normal, 'agent stopping');
          }),
      );
      await Promise.all(closing);
      connectedWaiters = [];
      idleWaiters = [];
      setState('stopped');
    },
    reconnect(reason) {
      if (stopping || state === 'terminal') return;
      const link = current;
      // Not connected (yet): the next attempt reads the credentials anew anyway.
      if (link === undefined || !link.welcomed) return;
      retire(link, undefined, 0, reason, 'agent');
    },
    abort() {
      stopping = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      for (const l of links) l.ws.terminate();
      setState('stopped');
    },
    get state() {
      return state;
    },
    get inFlight() {
      return totalInFlight();
    },
    get identity() {
      return identity;
    },
    whenConnected(signal) {
      if (state === 'connected') return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal?.reason ?? new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        connectedWaiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
  };
}
