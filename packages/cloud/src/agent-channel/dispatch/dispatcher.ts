/**
 * The dispatcher: one queue per tenant, credit-based flow control, answers bound to the connection that took the
 * request. Pure in-memory logic with no I/O, so every rule below is testable without sockets.
 *
 * Rules (docs/PROTOCOL.md, "Dispatch"):
 * - A request goes only to a connected agent that is one of its recipients (its payload is encrypted to that agent's
 *   key) and that has credit (the agent said it can take more). Among those, the one with the most spare credit wins;
 *   ties rotate, so two equal agents share the load.
 * - No connected recipient at all: `no_agent` at once (agent_unavailable), never a wait for the timeout.
 * - Recipients connected but none with credit: the request waits in the tenant's queue (FIFO) until one grants credit.
 * - "Taken" means handed to an agent. A request still queued when an agent disconnects can go to another recipient; a
 *   taken request whose agent disconnects ends `agent_lost` and is never sent again: the agent may already have
 *   bound, and a second bind with a wrong password would count twice toward the AD lockout.
 * - One overall deadline per request (queue + agent + directory): `timeout`.
 * - An answer is accepted once, only from the connection that took the request; anything else is refused and
 *   reported to the caller (the gateway logs it).
 */
import type {
  AgentLink,
  AnswerRejection,
  ConnectedAgent,
  ConnectionStats,
  DispatchRequest,
  DispatchResult,
} from './types.ts';

/** Default overall timeout per request: 15 s, like Entra PTA's observed response timeout. */
export const DEFAULT_DISPATCH_TIMEOUT_MS = 15_000;
/** Upper bound of credit one connection may hold, whatever it asks for (protects the cloud from a runaway agent). */
export const MAX_CREDITS_PER_CONNECTION = 1024;
/** How many ended request ids are remembered to tell a late answer from a forged one. */
const RECENTLY_ENDED_LIMIT = 10_000;

export interface DispatcherOptions {
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Called on every ended request (for metrics); must not throw. */
  readonly onSettled?: (tenantId: string, result: DispatchResult<unknown>['status'], elapsedMs: number) => void;
}

export interface AgentSession<R> {
  readonly connectionId: string;
  readonly agentId: string;
  readonly tenantId: string;
  /** Adds credit (how many more requests this connection can take now). */
  grant(credits: number): void;
  /** Delivers the agent's answer; `failed` marks an infrastructure failure for the agent's counters. */
  answer(
    requestId: string,
    result: R,
    options?: { readonly failed?: boolean },
  ): { readonly accepted: true } | { readonly accepted: false; readonly reason: AnswerRejection };
  /** Records liveness (a heartbeat or any frame). */
  touch(): void;
  /**
   * The connection was told to reconnect (renewal, drain): it takes no new request from now on (its credit is dropped
   * and later grants are ignored), answers for what it already took are still accepted. It still counts as a
   * connection of its agent, so requests for that agent wait for the successor connection instead of failing.
   */
  retire(): void;
  /** The connection is gone: queued work moves on, taken work ends agent_lost. Idempotent. */
  disconnect(): void;
  stats(): ConnectionStats;
}

export interface Dispatcher<P, R> {
  connect(link: AgentLink<P>): AgentSession<R>;
  dispatch(request: DispatchRequest<P>): Promise<DispatchResult<R>>;
  /** Connected agents of the tenant that serve `domain` (one entry per agent, even with several connections). */
  eligibleAgents(tenantId: string, domain?: string): ConnectedAgent[];
  /** Requests waiting for credit (all tenants, or one). */
  queueDepth(tenantId?: string): number;
  /** Requests handed to agents and not yet answered. */
  inFlight(): number;
  connections(): ConnectionStats[];
  /** Ends every waiting request with `closed` and forgets all connections. */
  close(): void;
}

interface Pending<P, R> {
  readonly request: DispatchRequest<P>;
  readonly enqueuedAt: number;
  readonly resolve: (result: DispatchResult<R>) => void;
  timer: NodeJS.Timeout | undefined;
  takenBy: SessionState<P> | undefined;
  abortListener: (() => void) | undefined;
}

/**
 * One connection's state. Deliberately small, with no collection of its own: a node holds one per idle agent
 * connection (issue 5 (d), 10,000 idle agents), and its taken requests are found in the dispatcher's `taken` map.
 */
interface SessionState<P> {
  /** Unique within this dispatcher (a small integer: no string kept per connection). */
  readonly seq: number;
  readonly link: AgentLink<P>;
  credits: number;
  /** How many requests this connection took and has not answered yet. */
  inFlight: number;
  served: number;
  failed: number;
  lastSeen: number;
  closed: boolean;
  retiring: boolean;
}

interface TenantState<P, R> {
  readonly sessions: SessionState<P>[];
  /** Insertion-ordered: iteration is FIFO, deletion is O(1). */
  readonly queue: Set<Pending<P, R>>;
  rotation: number;
}

export function createDispatcher<P, R>(options: DispatcherOptions = {}): Dispatcher<P, R> {
  const defaultTimeout = options.timeoutMs ?? DEFAULT_DISPATCH_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const tenants = new Map<string, TenantState<P, R>>();
  /** Every request handed to an agent and not yet ended, by request id. */
  const taken = new Map<string, Pending<P, R>>();
  /** Request id -> connection id of requests that ended while taken, to recognise late answers. */
  const recentlyEnded = new Map<string, number>();
  let closed = false;
  let lastSeq = 0;

  function tenant(tenantId: string): TenantState<P, R> {
    let state = tenants.get(tenantId);
    if (state === undefined) {
      state = { sessions: [], queue: new Set(), rotation: 0 };
      tenants.set(tenantId, state);
    }
    return state;
  }

  function serves(session: SessionState<P>, pending: Pending<P, R>): boolean {
    return !session.closed && pending.request.recipients.has(session.link.agentId);
  }

  function rememberEnded(requestId: string, seq: number): void {
    recentlyEnded.set(requestId, seq);
    if (recentlyEnded.size > RECENTLY_ENDED_LIMIT) {
      const oldest = recentlyEnded.keys().next().value;
      if (oldest !== undefined) recentlyEnded.delete(oldest);
    }
  }

  /** Ends a request exactly once, wherever it is (queue or an agent). */
  function settle(pending: Pending<P, R>, result: DispatchResult<R>): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = undefined;
    if (pending.abortListener !== undefined)
      pending.request.signal?.removeEventListener('abort', pending.abortListener);
    const requestId = pending.request.requestId;
    const session = pending.takenBy;
    if (session !== undefined) {
      session.inFlight--;
      taken.delete(requestId);
      if (result.status !== 'answered') rememberEnded(requestId, session.seq);
    } else {
      tenants.get(pending.request.tenantId)?.queue.delete(pending);
    }
    options.onSettled?.(pending.request.tenantId, result.status, now() - pending.enqueuedAt);
    pending.resolve(result);
  }

  /** Hands the request over; false (and the connection is dropped) when the connection could not carry it. */
  function hand(session: SessionState<P>, pending: Pending<P, R>): boolean {
    if (!session.link.send(pending.request.requestId, pending.request.payload)) {
      disconnectSession(session);
      return false;
    }
    session.credits--;
    pending.takenBy = session;
    session.inFlight++;
    taken.set(pending.request.requestId, pending);
    return true;
  }

  /** The connection is gone: queued work moves on, taken work ends agent_lost. Idempotent. */
  function disconnectSession(session: SessionState<P>): void {
    if (session.closed) return;
    session.closed = true;
    session.credits = 0;
    const state = tenants.get(session.link.tenantId);
    if (state === undefined) return;
    const index = state.sessions.indexOf(session);
    if (index >= 0) state.sessions.splice(index, 1);
    if (session.inFlight > 0) {
      for (const pending of [...taken.values()]) {
        if (pending.takenBy !== session) continue;
        session.failed++;
        settle(pending, { status: 'agent_lost', agentId: session.link.agentId });
      }
    }
    // Queued requests stay queued if another recipient is still connected; else nobody can ever decrypt them.
    for (const pending of [...state.queue]) {
      if (!hasConnectedRecipient(state, pending)) settle(pending, { status: 'no_agent' });
    }
  }

  /** Gives the request to the best recipient with credit, else queues it, else (no recipient left) no_agent. */
  function place(state: TenantState<P, R>, pending: Pending<P, R>): void {
    for (;;) {
      if (!hasConnectedRecipient(state, pending)) {
        settle(pending, { status: 'no_agent' });
        return;
      }
      const session = pickSession(state, pending);
      if (session === undefined) {
        state.queue.add(pending);
        return;
      }
      if (hand(session, pending)) return;
    }
  }

  /** The recipient with the most spare credit; equal ones rotate. */
  function pickSession(state: TenantState<P, R>, pending: Pending<P, R>): SessionState<P> | undefined {
    const n = state.sessions.length;
    let best: SessionState<P> | undefined;
    for (let i = 0; i < n; i++) {
      const session = state.sessions[(state.rotation + i) % n]!;
      if (session.credits > 0 && serves(session, pending) && (best === undefined || session.credits > best.credits)) {
        best = session;
      }
    }
    if (best !== undefined) state.rotation = (state.sessions.indexOf(best) + 1) % n;
    return best;
  }

  function hasConnectedRecipient(state: TenantState<P, R>, pending: Pending<P, R>): boolean {
    // A loop, not sessions.some(closure): called twice per sign-in.
    for (const s of state.sessions) if (serves(s, pending)) return true;
    return false;
  }

  /** Gives queued requests to this connection while it has credit (FIFO among the requests it may take). */
  function drainTo(session: SessionState<P>): void {
    const state = tenants.get(session.link.tenantId);
    if (state === undefined) return;
    for (const pending of state.queue) {
      if (session.credits <= 0 || session.closed) return;
      if (!serves(session, pending)) continue;
      state.queue.delete(pending);
      if (!hand(session, pending)) {
        // The connection died under us: this request was not taken; place it again (queue, another agent, no_agent).
        place(state, pending);
        return;
      }
    }
  }

  /**
   * The AgentSession handed to the gateway is the session state itself, its methods on the prototype: a closure per
   * method and connection cost about 1 KiB per idle agent connection (issue 5 (d)).
   */
  class Session implements SessionState<P>, AgentSession<R> {
    readonly seq: number;
    readonly link: AgentLink<P>;
    credits = 0;
    inFlight = 0;
    served = 0;
    failed = 0;
    lastSeen: number;
    closed: boolean;
    retiring = false;

    constructor(link: AgentLink<P>) {
      this.seq = ++lastSeq;
      this.link = link;
      this.lastSeen = now();
      this.closed = closed;
    }

    get connectionId(): string {
      return String(this.seq);
    }
    get agentId(): string {
      return this.link.agentId;
    }
    get tenantId(): string {
      return this.link.tenantId;
    }

    grant(credits: number): void {
      if (this.closed || this.retiring || !Number.isSafeInteger(credits) || credits <= 0) return;
      this.lastSeen = now();
      this.credits = Math.min(MAX_CREDITS_PER_CONNECTION, this.credits + credits);
      drainTo(this);
    }

    answer(
      requestId: string,
      result: R,
      answerOptions?: { readonly failed?: boolean },
    ): { readonly accepted: true } | { readonly accepted: false; readonly reason: AnswerRejection } {
      this.lastSeen = now();
      const pending = taken.get(requestId);
      if (pending === undefined || pending.takenBy !== this) {
        if (pending !== undefined) return { accepted: false, reason: 'wrong_connection' };
        if (recentlyEnded.get(requestId) === this.seq) {
          recentlyEnded.delete(requestId);
          return { accepted: false, reason: 'late' };
        }
        return { accepted: false, reason: 'unknown_request' };
      }
      if (answerOptions?.failed === true) this.failed++;
      else this.served++;
      settle(pending, {
        status: 'answered',
        agentId: this.link.agentId,
        result,
        queuedMs: now() - pending.enqueuedAt,
      });
      return { accepted: true };
    }

    touch(): void {
      this.lastSeen = now();
    }

    retire(): void {
      this.retiring = true;
      this.credits = 0;
    }

    disconnect(): void {
      disconnectSession(this);
    }

    stats(): ConnectionStats {
      return statsOf(this);
    }
  }

  function statsOf(s: SessionState<P>): ConnectionStats {
    return {
      agentId: s.link.agentId,
      connectionId: String(s.seq),
      tenantId: s.link.tenantId,
      credits: s.credits,
      inFlight: s.inFlight,
      served: s.served,
      failed: s.failed,
      lastSeen: s.lastSeen,
    };
  }

  function connect(link: AgentLink<P>): AgentSession<R> {
    const session = new Session(link);
    if (!closed) tenant(link.tenantId).sessions.push(session);
    return session;
  }

  function dispatch(request: DispatchRequest<P>): Promise<DispatchResult<R>> {
    if (closed) return Promise.resolve({ status: 'closed' });
    if (request.signal?.aborted === true) return Promise.resolve({ status: 'aborted' });
    if (taken.has(request.requestId)) throw new Error(`duplicate request id ${request.requestId}`);
    const state = tenant(request.tenantId);
    return new Promise((resolve) => {
      const pending: Pending<P, R> = {
        request,
        enqueuedAt: now(),
        resolve,
        timer: undefined,
        takenBy: undefined,
        abortListener: undefined,
      };
      if (!hasConnectedRecipient(state, pending)) {
        options.onSettled?.(request.tenantId, 'no_agent', 0);
        resolve({ status: 'no_agent' });
        return;
      }
      pending.timer = setTimeout(() => {
        const agentId = pending.takenBy?.link.agentId;
        settle(pending, {
          status: 'timeout',
          taken: pending.takenBy !== undefined,
          ...(agentId === undefined ? {} : { agentId }),
        });
      }, request.timeoutMs ?? defaultTimeout);
      if (request.signal !== undefined) {
        pending.abortListener = () => settle(pending, { status: 'aborted' });
        request.signal.addEventListener('abort', pending.abortListener, { once: true });
      }
      place(state, pending);
    });
  }

  return {
    connect,
    dispatch,
    eligibleAgents(tenantId, domain) {
      const state = tenants.get(tenantId);
      if (state === undefined) return [];
      const byAgent = new Map<string, ConnectedAgent>();
      const wanted = domain?.toLowerCase();
      for (const s of state.sessions) {
        const domains = s.link.domains;
        if (wanted !== undefined && domains !== undefined && !domains.has(wanted)) continue;
        const seen = byAgent.get(s.link.agentId);
        if (seen === undefined || s.credits > seen.credits) {
          byAgent.set(s.link.agentId, {
            agentId: s.link.agentId,
            connectionId: String(s.seq),
            credits: s.credits,
            inFlight: s.inFlight,
          });
        }
      }
      return [...byAgent.values()];
    },
    queueDepth(tenantId) {
      if (tenantId !== undefined) return tenants.get(tenantId)?.queue.size ?? 0;
      let n = 0;
      for (const state of tenants.values()) n += state.queue.size;
      return n;
    },
    inFlight: () => taken.size,
    connections() {
      const out: ConnectionStats[] = [];
      for (const state of tenants.values()) {
        for (const s of state.sessions) out.push(statsOf(s));
      }
      return out;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const state of tenants.values()) {
        for (const pending of [...state.queue]) settle(pending, { status: 'closed' });
        for (const s of state.sessions) s.closed = true;
        state.sessions.length = 0;
      }
      for (const pending of [...taken.values()]) settle(pending, { status: 'closed' });
    },
  };
}
