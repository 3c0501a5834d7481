/**
 * One agent's WebSocket, after its certificate was accepted: the session protocol of docs/PROTOCOL.md
 * (hello -> welcome -> credit / requests / answers, ping/pong) on top of the dispatcher. Every inbound frame goes
 * through parseFrame first; a frame that fails it closes the connection with CLOSE_CODES.protocolError and one clear
 * log line (the agent reconnects and, being a correct agent, does not send it again).
 */
import {
  type AgentFrame,
  type ChangePasswordRequestFrame,
  CLOSE_CODES,
  type CloudFrame,
  encodeFrame,
  INFRASTRUCTURE_FAILURES,
  MAX_FRAME_BYTES,
  negotiateProtocolVersion,
  parseFrame,
  type ValidateRequestFrame,
} from '@openpta/protocol';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { AgentLink, AgentSession, Dispatcher } from '../dispatch/index.ts';
import { sendCorked } from './corked-send.ts';
import type { AgentIdentity, ChannelAnswer, ChannelRequest } from './types.ts';

/**
 * What every connection of one gateway shares. One object per gateway, not per connection: with 10,000 idle agents
 * each per-connection closure, options object or child logger costs about 1 KiB of memory in total (issue 5 (d)).
 */
export interface AgentConnectionShared {
  readonly dispatcher: Dispatcher<ChannelRequest, ChannelAnswer>;
  /** The gateway's logger; every line of a connection carries its agentId and tenantId (added per call). */
  readonly logger: Logger;
  readonly heartbeatIntervalMs: number;
  readonly helloTimeoutMs: number;
  readonly node: string;
  /** `close` says how it ended; `wasReady` whether the hello had completed (the agent was serving). */
  readonly onClosed: (connection: AgentConnection, close?: { code: number; reason: string; wasReady: boolean }) => void;
  readonly onRejectedAnswer?: ((reason: string) => void) | undefined;
  /** The hello completed: the agent takes requests from now on (audit: agent.connected). */
  readonly onReady?: ((connection: AgentConnection) => void) | undefined;
}

type LogLevel = 'debug' | 'info' | 'warn';
type AgentWebSocket = InstanceType<(typeof AgentConnection)['WebSocket']>;

/**
 * The connection is its own AgentLink for the dispatcher (agentId, tenantId, domains, send): no link object and send
 * closure per connection.
 */
export class AgentConnection implements AgentLink<ChannelRequest> {
  /** Replaced (not mutated) when the agent renews: new requests are sealed to its new envelope key at once. */
  identity: AgentIdentity;
  /** Told to reconnect (renewal, drain): takes no new request. */
  retiring = false;
  readonly remoteAddress: string | undefined;
  session: AgentSession<ChannelAnswer> | undefined;
  agentVersion: string | undefined;
  hostname: string | undefined;
  /** Last time any frame arrived (epoch ms): the heartbeat closes connections silent for two intervals. */
  lastFrameAt = Date.now();
  /** Served/failed already reported to the registry (see AgentActivity deltas). */
  reportedServed = 0;
  reportedFailed = 0;
  /** In-flight count of the previous report; -1 before the first (which carries version and host). */
  reportedInFlight = -1;
  /** lastSeen of the previous report: an idle connection is reported again only after its next heartbeat. */
  reportedLastSeen = 0;
  readonly #shared: AgentConnectionShared;
  readonly #ws: WebSocket;
  #helloTimer: NodeJS.Timeout | undefined;
  #pingSeq = 0;
  #closed = false;

  constructor(shared: AgentConnectionShared, ws: AgentWebSocket, identity: AgentIdentity, remoteAddress?: string) {
    this.#shared = shared;
    this.#ws = ws;
    this.identity = identity;
    this.remoteAddress = remoteAddress;
    this.#helloTimer = setTimeout(
      () => this.close(CLOSE_CODES.protocolError, `no hello within ${shared.helloTimeoutMs} ms`),
      shared.helloTimeoutMs,
    );
    ws.connection = this;
  }

  /**
   * The WebSocket class of the gateway's WebSocketServer: ws's WebSocket with its message, close and error events
   * delivered straight to its connection, so no connection keeps a table of listeners: Node's EventEmitter creates
   * its (null-prototype, so dictionary-mode) table of 0.2 KiB lazily, at the first listener, which no agent
   * WebSocket gets (issue 5 (d), 10,000 idle agents). Other events (ping, pong) go to the EventEmitter as usual.
   */
  static readonly WebSocket = class AgentWebSocket extends WebSocket {
    connection: AgentConnection | undefined = undefined;

    constructor(...args: unknown[]) {
      super(...(args as ConstructorParameters<typeof WebSocket>));
      // EventEmitter's own "no listener yet" state (its methods create the table when a listener is added).
      (this as unknown as { _events: object | undefined })._events = undefined;
    }

    override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
      const c = this.connection;
      if (c !== undefined) {
        if (event === 'message') {
          c.#onMessage(a as Buffer, b as boolean);
          return true;
        }
        if (event === 'close') {
          c.#onClose(a as number, (b as Buffer).toString('utf8'));
          return true;
        }
        if (event === 'error') {
          c.#log('warn', { err: (a as Error).message }, 'agent connection error');
          return true;
        }
      }
      // No connection yet (none is told), and EventEmitter would throw on an error nobody listens to.
      if (event === 'error') return false;
      return super.emit(event, a, b);
    }
  };

  /** One log line with this connection's agent and tenant (instead of a child logger held per connection). */
  #log(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    const logger = this.#shared.logger;
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ agentId: this.identity.agentId, tenantId: this.identity.tenantId, ...fields }, message);
  }

  get open(): boolean {
    return !this.#closed;
  }

  // AgentLink: agent, tenant and domains never change on a connection (a renewal swaps the envelope key only).
  get agentId(): string {
    return this.identity.agentId;
  }
  get tenantId(): string {
    return this.identity.tenantId;
  }
  get domains(): ReadonlySet<string> | undefined {
    return this.identity.domains;
  }

  sendFrame(frame: CloudFrame): void {
    if (this.#closed) return;
    sendCorked(this.#ws, encodeFrame(frame));
  }

  /**
   * Sends the reconnect hint and stops handing requests to this connection at once (so none can cross the agent's
   * close); what it already took finishes here. The agent connects anew and closes this one when it is idle.
   */
  retire(frame: Extract<CloudFrame, { type: 'reconnect' }>): void {
    if (this.#closed || this.retiring) return;
    this.retiring = true;
    if (this.session === undefined) {
      // No hello yet, so nothing taken: close at once; the agent reconnects (a retryable code).
      this.close(frame.reason === 'renew-certificate' ? CLOSE_CODES.superseded : CLOSE_CODES.draining, frame.reason);
      return;
    }
    this.session.retire();
    this.sendFrame(frame);
  }

  /** Heartbeat tick: close a silent connection, else ping it. */
  heartbeat(now: number): void {
    if (this.#closed) return;
    if (now - this.lastFrameAt > 2 * this.#shared.heartbeatIntervalMs) {
      this.close(CLOSE_CODES.heartbeatTimeout, 'no frame from the agent for two heartbeat intervals');
      return;
    }
    this.sendFrame({ type: 'ping', id: String(++this.#pingSeq), sentAt: now });
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    const level = code === CLOSE_CODES.normal || code === CLOSE_CODES.draining ? 'info' : 'warn';
    this.#log(level, { closeCode: code, reason }, 'closing agent connection');
    // Close frame first (the agent learns why); terminate if the agent does not complete the close handshake.
    this.#ws.close(code, reason.slice(0, 120));
    const kill = setTimeout(() => this.#ws.terminate(), 5000);
    kill.unref();
    this.#onClose(code, reason);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    this.lastFrameAt = Date.now();
    const parsed = parseFrame(isBinary ? data : data.toString('utf8'), { from: 'agent', maxBytes: MAX_FRAME_BYTES });
    if (!parsed.ok) {
      if (parsed.error.code === 'FRAME_UNKNOWN_TYPE') {
        // A newer agent may send frame types this cloud does not know (docs/PROTOCOL.md, "Versioning").
        this.#log('debug', { code: parsed.error.code }, 'ignored unknown frame type from agent');
        return;
      }
      this.#protocolError(parsed.error.code, parsed.error.message);
      return;
    }
    this.#onFrame(parsed.frame);
  }

  #onFrame(frame: AgentFrame): void {
    const session = this.session;
    if (frame.type === 'hello') {
      if (session !== undefined) this.#protocolError('PROTOCOL_VIOLATION', 'second hello');
      else this.#onHello(frame.versions, frame.agentVersion, frame.hostname);
      return;
    }
    if (session === undefined) {
      this.#protocolError('PROTOCOL_VIOLATION', `${frame.type} before hello`);
      return;
    }
    switch (frame.type) {
      case 'credit':
        session.grant(frame.credits);
        return;
      case 'validate-response':
      case 'change-password-response': {
        const failed = INFRASTRUCTURE_FAILURES.has(frame.outcome);
        const answer: ChannelAnswer = {
          kind: frame.type === 'validate-response' ? 'validate' : 'change-password',
          outcome: frame.outcome,
          attributes: frame.type === 'validate-response' ? frame.attributes : undefined,
          dc: frame.dc,
          timings: frame.timings,
        };
        this.#answer(frame.requestId, answer, failed);
        // Version 2: the credit for this answer (and others finished with it) comes with it, not in a frame of its own.
        if (frame.credits !== undefined) session.grant(frame.credits);
        return;
      }
      case 'error':
        if (frame.requestId !== undefined) {
          this.#answer(frame.requestId, { kind: 'error', outcome: 'directory_error', errorCode: frame.code }, true);
        } else {
          this.#log('warn', { code: frame.code, agentMessage: frame.message }, 'agent reported an error');
        }
        return;
      case 'ping':
        session.touch();
        this.sendFrame({ type: 'pong', id: frame.id, sentAt: frame.sentAt });
        return;
      case 'pong':
        session.touch();
        return;
    }
  }

  #onHello(versions: readonly number[], agentVersion: string, hostname: string): void {
    if (this.#helloTimer !== undefined) clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    const version = negotiateProtocolVersion(versions);
    if (version === undefined) {
      this.sendFrame({
        type: 'error',
        code: 'UNSUPPORTED_VERSION',
        message: 'no protocol version in common: upgrade the agent',
      });
      this.close(CLOSE_CODES.unsupportedVersion, `agent offers versions ${versions.join(',')}`);
      return;
    }
    this.agentVersion = agentVersion;
    this.hostname = hostname;
    const { agentId, tenantId } = this.identity;
    this.session = this.#shared.dispatcher.connect(this);
    this.sendFrame({
      type: 'welcome',
      version,
      agentId,
      tenantId,
      heartbeatIntervalMs: this.#shared.heartbeatIntervalMs,
      serverTime: Date.now(),
      node: this.#shared.node,
    });
    this.#log('info', { agentVersion, hostname, version }, 'agent connected');
    this.#shared.onReady?.(this);
  }

  /** AgentLink.send: hands one request to the agent; false when the connection can no longer carry it. */
  send(requestId: string, request: ChannelRequest): boolean {
    // A close frame from the agent (it is stopping) makes the socket CLOSING before the TCP close arrives: the request
    // must go to another agent, not be lost with this one.
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return false;
    const envelope = request.envelopes.get(this.identity.agentId);
    if (envelope === undefined) {
      // The dispatcher only hands a request to its recipients, so this is a bug, not an agent's fault.
      throw new Error(`no envelope for agent ${this.identity.agentId} in request ${requestId}`);
    }
    // One literal, fields set by name (spreads in a literal take V8's slow path, once per sign-in here).
    const frame: ValidateRequestFrame | ChangePasswordRequestFrame = {
      type: request.kind === 'validate' ? 'validate-request' : 'change-password-request',
      requestId,
      envelope,
      expiresAt: request.expiresAt,
    };
    if (request.usernameDomain !== undefined) frame.usernameDomain = request.usernameDomain;
    this.sendFrame(frame);
    return true;
  }

  #answer(requestId: string, answer: ChannelAnswer, failed: boolean): void {
    const result = this.session?.answer(requestId, answer, { failed });
    if (result !== undefined && !result.accepted) {
      // Answers are bound to the request and to the connection that took it (docs/PROTOCOL.md, "Dispatch").
      const level = result.reason === 'late' ? 'info' : 'warn';
      this.#log(level, { requestId, reason: result.reason }, 'rejected an answer from the agent');
      this.#shared.onRejectedAnswer?.(result.reason);
    }
  }

  #protocolError(code: string, message: string): void {
    this.sendFrame({
      type: 'error',
      code: code.replace(/[^A-Z0-9_]/g, '_').slice(0, 64),
      message: message.slice(0, 1000),
    });
    this.close(CLOSE_CODES.protocolError, `bad frame from agent: ${code}: ${message}`);
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#helloTimer !== undefined) clearTimeout(this.#helloTimer);
    this.session?.disconnect();
    this.#log('info', { closeCode: code, reason }, 'agent disconnected');
    this.#shared.onClosed(this, { code, reason, wasReady: this.session !== undefined });
  }
}
