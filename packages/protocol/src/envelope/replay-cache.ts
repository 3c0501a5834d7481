/**
 * Remembers the request ids of opened envelopes until they expire, so a captured envelope cannot be played again
 * (the agent side of replay protection). Memory is bounded: at most `maxEntries` unexpired ids; when full, new
 * envelopes are refused (fail closed) rather than forgetting ids that could then be replayed.
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #maxEntries: number;
  #nextSweep = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1_000_000;
  }

  /** True the first time an id is seen (and remembers it until `expiresAt`); false for a replay or when full. */
  remember(id: string, expiresAt: number, now: number = Date.now()): boolean {
    const known = this.#seen.get(id);
    if (known !== undefined && known >= now) return false;
    if (now >= this.#nextSweep || this.#seen.size >= this.#maxEntries) this.sweep(now);
    if (this.#seen.size >= this.#maxEntries) return false;
    this.#seen.set(id, expiresAt);
    return true;
  }

  /** Drops expired ids. Called by remember() at most once a second, or when full. */
  sweep(now: number = Date.now()): void {
    this.#nextSweep = now + 1000;
    for (const [id, expiresAt] of this.#seen) if (expiresAt < now) this.#seen.delete(id);
  }

  get size(): number {
    return this.#seen.size;
  }
}
