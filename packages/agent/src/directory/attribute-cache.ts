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

/** at: when the attributes were looked up (cacheMs counts from it); verifiedAt: the last token check. */
export type StoredUser = CachedUser & { readonly at: number; verifiedAt: number };

export class AttributeCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, StoredUser>();
  /** Keys by objectSid, so a change seen by the change watcher (change-watcher.ts) drops the account's entries. */
  readonly #bySid = new Map<string, Set<string>>();
  /** Keys of DOMAIN\\user logins by their user part (sAMAccountName). */
  readonly #bySam = new Map<string, Set<string>>();
  #generation = 0;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Bumped by every drop and clear: an attempt that started before a change was applied must not store what it
   * looked up (it may predate the change, and the change will not be reported again).
   */
  get generation(): number {
    return this.#generation;
  }

  /** The entry and when it was stored (verified against the bound token). */
  get(key: string, now = Date.now()): StoredUser | undefined {
    if (!this.enabled) return undefined;
    const k = key.toLowerCase();
    const hit = this.#entries.get(k);
    if (!hit) return undefined;
    if (now - hit.at >= this.#ttlMs) {
      this.delete(k);
      return undefined;
    }
    return hit;
  }

  set(key: string, user: CachedUser, now = Date.now()): void {
    if (!this.enabled) return;
    const k = key.toLowerCase();
    // Re-inserting moves the key to the end, so the first key is always the oldest entry.
    this.delete(k);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    this.#entries.set(k, { ...user, at: now, verifiedAt: now });
    addTo(this.#bySid, user.sid, k);
    const slash = k.indexOf('\\');
    if (slash >= 0) addTo(this.#bySam, k.slice(slash + 1), k);
  }

  /** A cached sign-in just verified the bound token: the entry is as good as one stored now, except for its age. */
  markVerified(key: string, now = Date.now()): void {
    const entry = this.#entries.get(key.toLowerCase());
    if (entry) entry.verifiedAt = now;
  }

  delete(key: string): void {
    const k = key.toLowerCase();
    const entry = this.#entries.get(k);
    if (!entry) return;
    this.#entries.delete(k);
    removeFrom(this.#bySid, entry.sid, k);
    const slash = k.indexOf('\\');
    if (slash >= 0) removeFrom(this.#bySam, k.slice(slash + 1), k);
  }

  /**
   * Drops what a changed user object may have made wrong: the entries of its account (by objectSid) and the entries
   * stored under the names it has now (its UPN, or `anything\\sAMAccountName`: a name that moved to this account).
   */
  dropChangedUser(sid: string | undefined, names: { upn?: string; sam?: string }): number {
    this.#generation++;
    let dropped = 0;
    for (const k of sid ? [...(this.#bySid.get(sid) ?? [])] : []) {
      this.delete(k);
      dropped++;
    }
    const upn = names.upn?.toLowerCase();
    if (upn && this.#entries.has(upn)) {
      this.delete(upn);
      dropped++;
    }
    const sam = names.sam?.toLowerCase();
    for (const k of sam ? [...(this.#bySam.get(sam) ?? [])] : []) {
      this.delete(k);
      dropped++;
    }
    return dropped;
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#bySid.clear();
    this.#bySam.clear();
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (keys) keys.add(key);
  else index.set(value, new Set([key]));
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (keys?.delete(key) && keys.size === 0) index.delete(value);
}
