/**
 * A bounded cache of envelope content keys, keyed by `<kid>.<epk x>` (agent side; see createEnvelopeSealer). Oldest
 * entries are dropped first. Content keys are secrets: the cache lives only in the agent's memory.
 */
export class EnvelopeKeyCache {
  readonly #entries = new Map<string, Buffer>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1024;
  }

  get(key: string): Buffer | undefined {
    return this.#entries.get(key);
  }

  set(key: string, cek: Buffer): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.get(oldest)?.fill(0);
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(key, cek);
  }

  /** Forgets every key (e.g. after a renewal retired an encryption key). */
  clear(): void {
    for (const cek of this.#entries.values()) cek.fill(0);
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
