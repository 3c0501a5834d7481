/**
 * A bounded pool of connections to one DC for one purpose (user binds, or the service account). Idle connections are
 * reused last-in first-out (the warmest socket first); a connection that broke, or that the DC closed (AD's
 * MaxConnIdleTime), is dropped and replaced on demand. A periodic sweep closes connections idle for longer than
 * idleTimeoutMs, so the agent closes them before AD does. Waiters are served first-come first-served and give up with
 * the attempt's AbortSignal.
 */
import type { DirectoryConnection } from './connection.ts';
import { AGENT_ERROR_CODES, AgentError, DirectoryTransportError } from './errors.ts';

export interface PoolOptions {
  readonly dc: string;
  readonly max: number;
  readonly idleTimeoutMs: number;
  /** Opens (and, for the service pool, binds) a new connection. */
  readonly open: (signal?: AbortSignal) => Promise<DirectoryConnection>;
}

interface Waiter {
  resolve: (c: DirectoryConnection) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export interface PoolStats {
  readonly idle: number;
  readonly busy: number;
  readonly opening: number;
  readonly waiting: number;
  readonly opened: number;
  readonly discarded: number;
}

export class ConnectionPool {
  readonly #options: PoolOptions;
  readonly #idle: DirectoryConnection[] = [];
  readonly #busy = new Set<DirectoryConnection>();
  readonly #waiters: Waiter[] = [];
  #opening = 0;
  #opened = 0;
  #discarded = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  get stats(): PoolStats {
    return {
      idle: this.#idle.length,
      busy: this.#busy.size,
      opening: this.#opening,
      waiting: this.#waiters.length,
      opened: this.#opened,
      discarded: this.#discarded,
    };
  }

  /** A usable connection: an idle one, a new one while under `max`, or the next one released. */
  async acquire(signal?: AbortSignal): Promise<DirectoryConnection> {
    if (this.#closed) throw new AgentError(AGENT_ERROR_CODES.CLOSED, 'the directory validator is closed');
    const idle = this.#takeIdle();
    if (idle) return idle;
    if (this.#busy.size + this.#opening < this.#options.max) return this.#openNew(signal);
    return new Promise<DirectoryConnection>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        if (signal.aborted) {
          reject(this.#timeout());
          return;
        }
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          reject(this.#timeout());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** Returns a connection. `reusable: false` (or a broken connection) closes it. */
  release(connection: DirectoryConnection, reusable = true): void {
    this.#busy.delete(connection);
    if (!reusable || !connection.usable || this.#closed) {
      this.#discard(connection);
    } else {
      connection.lastUsed = Date.now();
      this.#idle.push(connection);
    }
    this.#serveWaiters();
  }

  /** Health check: drops idle connections that the DC closed or that were idle too long. */
  sweep(now = Date.now()): void {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const c = this.#idle[i]!;
      if (!c.usable || now - c.lastUsed >= this.#options.idleTimeoutMs) {
        this.#idle.splice(i, 1);
        this.#discard(c);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new AgentError(AGENT_ERROR_CODES.CLOSED, 'the directory validator is closed'));
    }
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  #timeout(): DirectoryTransportError {
    return new DirectoryTransportError(
      AGENT_ERROR_CODES.DC_TIMEOUT,
      this.#options.dc,
      `no free connection to ${this.#options.dc} before the overall timeout`,
      true,
    );
  }

  #takeIdle(): DirectoryConnection | undefined {
    while (this.#idle.length > 0) {
      const c = this.#idle.pop()!;
      if (c.usable) {
        this.#busy.add(c);
        return c;
      }
      this.#discard(c);
    }
    return undefined;
  }

  async #openNew(signal?: AbortSignal): Promise<DirectoryConnection> {
    this.#opening++;
    try {
      const c = await this.#options.open(signal);
      this.#opened++;
      if (this.#closed) {
        c.destroy();
        throw new AgentError(AGENT_ERROR_CODES.CLOSED, 'the directory validator is closed');
      }
      this.#busy.add(c);
      return c;
    } finally {
      this.#opening--;
      // A failed open frees a slot: let a waiter try.
      queueMicrotask(() => this.#serveWaiters());
    }
  }

  #discard(c: DirectoryConnection): void {
    this.#discarded++;
    void c.close();
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0 && !this.#closed) {
      const idle = this.#takeIdle();
      if (idle) {
        this.#handTo(this.#waiters.shift()!, idle);
        continue;
      }
      if (this.#busy.size + this.#opening < this.#options.max) {
        const w = this.#waiters.shift()!;
        this.#openNew(w.signal).then(
          (c) => this.#handTo(w, c),
          (e: Error) => {
            if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
            w.reject(e);
          },
        );
        continue;
      }
      return;
    }
  }

  #handTo(w: Waiter, c: DirectoryConnection): void {
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    if (w.signal?.aborted) {
      this.release(c, true);
      return;
    }
    w.resolve(c);
  }
}
