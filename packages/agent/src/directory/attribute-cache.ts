/**
 * Optional short-lived cache of the attributes sent to the cloud, keyed by the name the user signed in with. Off by
 * default (attributes.cacheMs: 0). When on, a sign-in whose attributes are cached costs the DC exactly one bind
 * (the password is always checked by the DC; only the lookup is skipped), which is what lets validate() match raw
 * bind throughput when the DC is the bottleneck. The price: attribute and group changes, and a UPN moved to another
 * account, are seen up to cacheMs late. Entries are dropped on any answer other than ok.
 */
import type { DirectoryAttributes } from '@openpta/protocol';

const MAX_ENTRIES = 100_000;

export class AttributeCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { attributes: DirectoryAttributes; at: number }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  get(key: string, now = Date.now()): DirectoryAttributes | undefined {
    if (!this.enabled) return undefined;
    const hit = this.#entries.get(key.toLowerCase());
    if (!hit) return undefined;
    if (now - hit.at >= this.#ttlMs) {
      this.#entries.delete(key.toLowerCase());
      return undefined;
    }
    return hit.attributes;
  }

  set(key: string, attributes: DirectoryAttributes, now = Date.now()): void {
    if (!this.enabled) return;
    if (this.#entries.size >= MAX_ENTRIES) {
      // Drop the oldest insertion (Map keeps insertion order).
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key.toLowerCase(), { attributes, at: now });
  }

  delete(key: string): void {
    this.#entries.delete(key.toLowerCase());
  }
}
