import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * A bounded cache of envelope content keys, keyed by `<kid>.<epk x>` (agent side; see createEnvelopeSealer). Oldest
 * entries are dropped first. Content keys are secrets: the cache lives only in the agent's memory.
 *
 * Each key is also kept as a KeyObject: node:crypto turns a Buffer key into a KeyObject on every createDecipheriv,
 * which costs about 4x the AES-GCM work for a password-sized envelope (measured on Node 24). The KeyObject's copy
 * cannot be wiped like the Buffer; it goes with the cache entry at garbage collection.
 */
export class EnvelopeKeyCache {
  readonly #entries = new Map<string, Buffer>();
  readonly #keyObjects = new Map<string, KeyObject>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1024;
  }

  get(key: string): Buffer | undefined {
    return this.#entries.get(key);
  }

  /** The cached content key as a KeyObject (for createDecipheriv). */
  keyObject(key: string): KeyObject | undefined {
    return this.#keyObjects.get(key);
  }

  set(key: string, cek: Buffer): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.get(oldest)?.fill(0);
        this.#entries.delete(oldest);
        this.#keyObjects.delete(oldest);
      }
    }
    this.#entries.set(key, cek);
    this.#keyObjects.set(key, createSecretKey(cek));
  }

  /** Forgets every key (e.g. after a renewal retired an encryption key). */
  clear(): void {
    for (const cek of this.#entries.values()) cek.fill(0);
    this.#entries.clear();
    this.#keyObjects.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
