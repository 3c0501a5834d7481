/**
 * Where smart-lockout state lives. The memory store below is the one used now (one cloud process); a shared store
 * (Redis, PostgreSQL) implements the same interface later. `update` must be atomic per key: read, mutate and write
 * without another update of the same key in between, so parallel wrong passwords can never be lost updates.
 */
export interface LockoutStore {
  /** Atomically replaces the value at `key` with `mutate(current)`; `undefined` deletes it. Returns the new value. */
  update<T>(key: string, ttlMs: number, mutate: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  get<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface MemoryLockoutStoreOptions {
  /** Injected clock (epoch ms), so tests can move time. */
  now?: () => number;
  /**
   * Upper bound on stored keys: a spray over millions of usernames must not exhaust memory. When full, the least
   * recently written key is dropped.
   */
  maxEntries?: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

export class MemoryLockoutStore implements LockoutStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: MemoryLockoutStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 200_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#read<T>(key);
  }

  async update<T>(key: string, ttlMs: number, mutate: (current: T | undefined) => T | undefined) {
    // Synchronous read-modify-write: nothing can interleave between the read and the write on one event loop.
    const next = mutate(this.#read<T>(key));
    this.#entries.delete(key);
    if (next !== undefined) {
      this.#entries.set(key, { value: next, expiresAt: this.#now() + ttlMs });
      this.#evict();
    }
    return next;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #read<T>(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  #evict(): void {
    // Only when over the bound: iterating a Map that has seen many deletes is not free.
    if (this.#entries.size <= this.#maxEntries) return;
    // Map iteration order is insertion order and every write re-inserts, so the first keys are the stalest.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
