/**
 * The verified attribute cache: the attributes sent to the cloud for a user who signed in within `cacheMs`, keyed by
 * the name they signed in with, together with the account's objectSid and the security token seen then.
 *
 * A cached sign-in still costs the DC the user bind (the password is always checked by the DC), then one cheap read
 * of the bound session's token (bound-token.ts) instead of the user lookup. The entry is used only when the account
 * that just proved the password is the cached one (its objectSid is in the token) and the token is unchanged (same
 * security groups); otherwise the user is looked up again. So a UPN moved to another account, and any security group
 * change, are seen at the next sign-in; what can be up to `cacheMs` old are the profile attributes (displayName,
 * mail, ...) and the names of groups and memberships that are not in the token (distribution groups).
 * Entries are dropped on any answer other than ok. Direct logins only (UPN, DOMAIN\user): an alternate login id is
 * looked up before the bind anyway.
 */
import type { DirectoryAttributes } from '@openpta/protocol';

const MAX_ENTRIES = 100_000;

export interface CachedUser {
  readonly attributes: DirectoryAttributes;
  /** objectSid, lowercase hex. */
  readonly sid: string;
  /** BoundToken.key when the entry was stored. */
  readonly tokenKey: string;
}

export class AttributeCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, CachedUser & { readonly at: number }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now = Date.now()): CachedUser | undefined {
    if (!this.enabled) return undefined;
    const k = key.toLowerCase();
    const hit = this.#entries.get(k);
    if (!hit) return undefined;
    if (now - hit.at >= this.#ttlMs) {
      this.#entries.delete(k);
      return undefined;
    }
    return hit;
  }

  set(key: string, user: CachedUser, now = Date.now()): void {
    if (!this.enabled) return;
    const k = key.toLowerCase();
    // Re-inserting moves the key to the end, so the first key is always the oldest entry.
    this.#entries.delete(k);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(k, { ...user, at: now });
  }

  delete(key: string): void {
    this.#entries.delete(key.toLowerCase());
  }
}
