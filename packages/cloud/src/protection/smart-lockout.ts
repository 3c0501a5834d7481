import { createHmac, createSecretKey, type KeyObject, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { INFRASTRUCTURE_FAILURES, type Outcome, PASSWORD_PROVEN } from '@openpta/protocol';
import type { Registry } from 'prom-client';
import { createLockoutMetrics, type LockoutMetrics } from './lockout-metrics.ts';
import { type LockoutStore, MemoryLockoutStore } from './lockout-store.ts';
import type { LockoutSettings } from './settings.ts';
import { sourceNetwork } from './source-network.ts';

/**
 * Smart lockout in the cloud, applied before a request reaches an agent (so an attacker is stopped before Active
 * Directory's own lockout would lock the real user out). Modelled on Entra smart lockout:
 * - only `invalid_credentials` counts; infrastructure failures never do (a DC outage is not a wrong password);
 * - the same wrong password tried again counts once (compared as an HMAC digest kept for the observation window,
 *   never the password itself);
 * - failures from a network where the user signed in successfully before ("familiar") count on their own counter,
 *   so an attacker elsewhere cannot lock the user out of their usual place;
 * - after `threshold` counted failures the counter locks for `durationSeconds`; until the lockout level resets
 *   (`levelResetSeconds` without a lockout) every further counted failure locks again, each time `growthFactor`
 *   longer, up to `maxDurationSeconds`;
 * - attempts still in flight count toward the threshold, so parallel requests cannot push more than `threshold`
 *   wrong passwords through to the directory;
 * - MFA failures count on a separate counter of their own.
 */
export type CounterName = 'familiar' | 'unfamiliar' | 'mfa';

export interface LockoutSubject {
  tenantId: string;
  /** The sign-in name as typed, or the canonical user key when known; compared case-insensitively. */
  username: string;
  settings: LockoutSettings;
}

export type LockedDecision = {
  locked: true;
  /** Whole seconds until another attempt may be made (for the message and a Retry-After header). */
  retryAfterSeconds: number;
  counter: CounterName;
  reason: 'locked' | 'attempts_in_flight';
};

export interface AttemptResult {
  /** Whether this failure counted toward the lockout. */
  counted: boolean;
  /** The failure was the same wrong password as a recent one, so it did not count again. */
  repeatedPassword: boolean;
  /** The counter is locked after this attempt; `retryAfterSeconds` says for how long. */
  locked: boolean;
  retryAfterSeconds: number;
}

export interface LockoutStatus {
  counters: Record<CounterName, { failures: number; lockedUntil: Date | null; level: number }>;
  familiarNetworks: string[];
}

interface CounterState {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  level: number;
  lastLockoutAt: number;
  /** How long the state lives after a write (from the settings at the last failure); kept when failures reset. */
  ttlMs: number;
}

type DigestList = { d: string; exp: number }[];
type FamiliarMap = Record<string, number>;

export interface SmartLockoutOptions {
  store?: LockoutStore;
  /** Injected clock (epoch ms). */
  now?: () => number;
  /**
   * Key for the wrong-password digests. Default: 32 random bytes per process, which fits the memory store (the
   * digests die with the process). A shared store needs a shared key from configuration.
   */
  digestKey?: Uint8Array;
  /** How long a network stays familiar after the last successful sign-in from it. Default 90 days. */
  familiarForMs?: number;
  /** An attempt that never finishes stops counting as in flight after this long. Default 2 minutes. */
  inFlightTimeoutMs?: number;
}

const MAX_DIGESTS = 32;
const MAX_FAMILIAR_NETWORKS = 32;

export class SmartLockout {
  readonly #store: LockoutStore;
  readonly #now: () => number;
  readonly #digestKey: KeyObject;
  readonly #familiarForMs: number;
  readonly #inFlightTimeoutMs: number;
  readonly #inFlight = new Map<string, Map<string, number>>();
  #metrics: LockoutMetrics | undefined;

  constructor(options: SmartLockoutOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#store = options.store ?? new MemoryLockoutStore({ now: this.#now });
    // A KeyObject once, not raw bytes per call: Node would import the key again for every HMAC.
    this.#digestKey = createSecretKey(options.digestKey ?? randomBytes(32));
    this.#familiarForMs = options.familiarForMs ?? 90 * 86_400_000;
    this.#inFlightTimeoutMs = options.inFlightTimeoutMs ?? 120_000;
  }

  /** Counts lockouts, refusals and repeated passwords on this Prometheus registry (the app's). */
  attachMetrics(registry: Registry): void {
    this.#metrics = createLockoutMetrics(registry);
  }

  /**
   * Call before sending a password to an agent. When locked, answer the user without contacting the agent. Otherwise
   * send the password and call `attempt.finish()` with the outcome (or `attempt.abandon()` if nothing was sent).
   */
  async beginPassword(subject: LockoutSubject & { ip: string }): Promise<LockedDecision | PasswordAttempt> {
    const counter: CounterName = (await this.isFamiliar(subject.tenantId, subject.username, subject.ip))
      ? 'familiar'
      : 'unfamiliar';
    const decision = await this.#check(subject, counter);
    if (decision) return decision;
    return new PasswordAttempt(this, subject, counter, this.#enter(this.#key('c', subject, counter)));
  }

  /** Call before checking a second factor; same contract as beginPassword, on the separate MFA counter. */
  async beginMfa(subject: LockoutSubject): Promise<LockedDecision | MfaAttempt> {
    const decision = await this.#check(subject, 'mfa');
    if (decision) return decision;
    return new MfaAttempt(this, subject, this.#enter(this.#key('c', subject, 'mfa')));
  }

  /**
   * Call once a sign-in has fully succeeded (password and any second factor): the source network becomes familiar
   * and the counter the attempt came through starts again.
   */
  async recordSignInSuccess(subject: { tenantId: string; username: string; ip: string }): Promise<void> {
    const network = sourceNetwork(subject.ip);
    const counter = (await this.isFamiliar(subject.tenantId, subject.username, subject.ip)) ? 'familiar' : 'unfamiliar';
    await this.#resetFailures(this.#key('c', subject, counter));
    if (network === 'unknown') return;
    const now = this.#now();
    await this.#store.update<FamiliarMap>(this.#key('f', subject), this.#familiarForMs, (current) => {
      const live = Object.entries(current ?? {}).filter(([, at]) => now - at < this.#familiarForMs);
      live.push([network, now]);
      // Keep the most recent networks only.
      live.sort((a, b) => b[1] - a[1]);
      return Object.fromEntries(live.slice(0, MAX_FAMILIAR_NETWORKS));
    });
  }

  async isFamiliar(tenantId: string, username: string, ip: string): Promise<boolean> {
    const network = sourceNetwork(ip);
    if (network === 'unknown') return false;
    const map = await this.#store.get<FamiliarMap>(this.#key('f', { tenantId, username }));
    const at = map?.[network];
    return at !== undefined && this.#now() - at < this.#familiarForMs;
  }

  /** Admin action: clears every counter of the user (familiar networks are kept). */
  async unlock(subject: { tenantId: string; username: string }): Promise<void> {
    for (const counter of ['familiar', 'unfamiliar', 'mfa'] as const) {
      await this.#store.delete(this.#key('c', subject, counter));
    }
    await this.#store.delete(this.#key('w', subject));
  }

  async status(subject: { tenantId: string; username: string }): Promise<LockoutStatus> {
    const now = this.#now();
    const counters = {} as LockoutStatus['counters'];
    for (const counter of ['familiar', 'unfamiliar', 'mfa'] as const) {
      const state = await this.#store.get<CounterState>(this.#key('c', subject, counter));
      counters[counter] = {
        failures: state?.failures ?? 0,
        lockedUntil: state && state.lockedUntil > now ? new Date(state.lockedUntil) : null,
        level: state?.level ?? 0,
      };
    }
    const familiar = await this.#store.get<FamiliarMap>(this.#key('f', subject));
    return { counters, familiarNetworks: Object.keys(familiar ?? {}) };
  }

  async close(): Promise<void> {
    this.#inFlight.clear();
    await this.#store.close();
  }

  /** @internal Finishes a password attempt (see PasswordAttempt.finish). */
  async _finishPassword(
    subject: LockoutSubject,
    counter: CounterName,
    ticket: string,
    outcome: Outcome,
    password: string,
  ): Promise<AttemptResult> {
    const key = this.#key('c', subject, counter);
    try {
      if (PASSWORD_PROVEN.has(outcome)) {
        await this.#resetFailures(key);
        return notCounted(false);
      }
      // An infrastructure failure (DC down, timeout, TLS, no agent) is never a wrong password.
      if (INFRASTRUCTURE_FAILURES.has(outcome)) return notCounted(false);
      // Of the rest, only a wrong password counts (not bad input refused before any bind).
      if (outcome !== 'invalid_credentials') return notCounted(false);
      if (await this.#isRepeatedWrongPassword(subject, password)) {
        this.#metrics?.repeatedPasswords.inc();
        const state = await this.#store.get<CounterState>(key);
        return { ...lockInfo(state, this.#now()), counted: false, repeatedPassword: true };
      }
      return await this.#countFailure(subject.settings, key, counter);
    } finally {
      this.#leave(key, ticket);
    }
  }

  /** @internal Finishes an MFA attempt (see MfaAttempt.finish). */
  async _finishMfa(subject: LockoutSubject, ticket: string, ok: boolean): Promise<AttemptResult> {
    const key = this.#key('c', subject, 'mfa');
    try {
      if (ok) {
        await this.#resetFailures(key);
        return notCounted(false);
      }
      return await this.#countFailure(subject.settings, key, 'mfa');
    } finally {
      this.#leave(key, ticket);
    }
  }

  /** @internal */
  _abandon(subject: LockoutSubject, counter: CounterName, ticket: string): void {
    this.#leave(this.#key('c', subject, counter), ticket);
  }

  async #check(subject: LockoutSubject, counter: CounterName): Promise<LockedDecision | undefined> {
    const now = this.#now();
    const key = this.#key('c', subject, counter);
    const state = await this.#store.get<CounterState>(key);
    if (state && state.lockedUntil > now) {
      this.#metrics?.refusals.inc({ counter, reason: 'locked' });
      return { locked: true, retryAfterSeconds: secondsUntil(state.lockedUntil, now), counter, reason: 'locked' };
    }
    const failures = state ? liveFailures(state, subject.settings, now) : 0;
    if (failures + this.#inFlightCount(key) >= effectiveThreshold(state, subject.settings, now)) {
      this.#metrics?.refusals.inc({ counter, reason: 'attempts_in_flight' });
      return { locked: true, retryAfterSeconds: 1, counter, reason: 'attempts_in_flight' };
    }
    return undefined;
  }

  async #countFailure(settings: LockoutSettings, key: string, counter: CounterName): Promise<AttemptResult> {
    const now = this.#now();
    let lockedNow = false;
    const ttl = (settings.levelResetSeconds + settings.maxDurationSeconds) * 1000;
    const state = await this.#store.update<CounterState>(key, ttl, (current) => {
      const next: CounterState = current
        ? { ...current }
        : { failures: 0, windowStart: now, lockedUntil: 0, level: 0, lastLockoutAt: 0, ttlMs: ttl };
      next.ttlMs = ttl;
      if (next.level > 0 && now - next.lastLockoutAt >= settings.levelResetSeconds * 1000) next.level = 0;
      if (now - next.windowStart >= settings.observationWindowSeconds * 1000) {
        next.failures = 0;
        next.windowStart = now;
      }
      next.failures += 1;
      if (next.failures >= effectiveThreshold(next, settings, now)) {
        const seconds = Math.min(
          settings.maxDurationSeconds,
          Math.round(settings.durationSeconds * settings.growthFactor ** next.level),
        );
        next.lockedUntil = now + seconds * 1000;
        lockedNow = true;
        next.lastLockoutAt = now;
        next.level += 1;
        next.failures = 0;
        next.windowStart = now;
      }
      return next;
    });
    if (lockedNow) this.#metrics?.locks.inc({ counter });
    return { ...lockInfo(state, now), counted: true, repeatedPassword: false };
  }

  async #resetFailures(key: string): Promise<void> {
    const current = await this.#store.get<CounterState>(key);
    if (!current) return;
    // Keep the lockout level for as long as the settings at the last failure said (levelResetSeconds).
    await this.#store.update<CounterState>(key, current.ttlMs ?? 86_400_000, (current) =>
      current && (current.level > 0 || current.lockedUntil > this.#now()) ? { ...current, failures: 0 } : undefined,
    );
  }

  async #isRepeatedWrongPassword(subject: LockoutSubject, password: string): Promise<boolean> {
    const digest = createHmac('sha256', this.#digestKey)
      .update(`${subject.tenantId}\u0000${normalizeUsername(subject.username)}\u0000`)
      .update(password, 'utf8')
      .digest();
    const now = this.#now();
    const ttl = subject.settings.observationWindowSeconds * 1000;
    let repeated = false;
    await this.#store.update<DigestList>(this.#key('w', subject), ttl, (current) => {
      const live = (current ?? []).filter((entry) => entry.exp > now);
      // Constant-time comparison of every live digest: the result must not reveal which one matched.
      for (const entry of live) {
        if (timingSafeEqual(Buffer.from(entry.d, 'base64'), digest)) repeated = true;
      }
      if (!repeated) live.push({ d: digest.toString('base64'), exp: now + ttl });
      return live.slice(-MAX_DIGESTS);
    });
    return repeated;
  }

  #key(kind: 'c' | 'f' | 'w', subject: { tenantId: string; username: string }, counter?: CounterName): string {
    return JSON.stringify([kind, subject.tenantId, normalizeUsername(subject.username), counter ?? null]);
  }

  #enter(key: string): string {
    const ticket = randomUUID();
    let tickets = this.#inFlight.get(key);
    if (!tickets) {
      tickets = new Map();
      this.#inFlight.set(key, tickets);
    }
    tickets.set(ticket, this.#now());
    return ticket;
  }

  #leave(key: string, ticket: string): void {
    const tickets = this.#inFlight.get(key);
    if (!tickets) return;
    tickets.delete(ticket);
    if (tickets.size === 0) this.#inFlight.delete(key);
  }

  #inFlightCount(key: string): number {
    const tickets = this.#inFlight.get(key);
    if (!tickets) return 0;
    const now = this.#now();
    for (const [ticket, startedAt] of tickets) {
      if (now - startedAt >= this.#inFlightTimeoutMs) tickets.delete(ticket);
    }
    if (tickets.size === 0) this.#inFlight.delete(key);
    return tickets.size;
  }
}

/** One password attempt that passed the lockout check; finish it exactly once. */
export class PasswordAttempt {
  readonly locked = false;
  readonly counter: CounterName;
  readonly #lockout: SmartLockout;
  readonly #subject: LockoutSubject;
  readonly #ticket: string;
  #done = false;

  constructor(lockout: SmartLockout, subject: LockoutSubject, counter: CounterName, ticket: string) {
    this.#lockout = lockout;
    this.#subject = subject;
    this.counter = counter;
    this.#ticket = ticket;
  }

  /**
   * Records the agent's outcome. The password is used only to compute a keyed digest for "same wrong password"
   * detection and is not kept.
   */
  async finish(result: { outcome: Outcome; password: string }): Promise<AttemptResult> {
    if (this.#done) throw new Error('attempt already finished');
    this.#done = true;
    return this.#lockout._finishPassword(this.#subject, this.counter, this.#ticket, result.outcome, result.password);
  }

  /** The password was never sent (for example the request was refused before): releases the in-flight slot. */
  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#lockout._abandon(this.#subject, this.counter, this.#ticket);
  }
}

/** One second-factor attempt that passed the lockout check; finish it exactly once. */
export class MfaAttempt {
  readonly locked = false;
  readonly counter: CounterName = 'mfa';
  readonly #lockout: SmartLockout;
  readonly #subject: LockoutSubject;
  readonly #ticket: string;
  #done = false;

  constructor(lockout: SmartLockout, subject: LockoutSubject, ticket: string) {
    this.#lockout = lockout;
    this.#subject = subject;
    this.#ticket = ticket;
  }

  /** `ok: false` for a wrong, replayed or expired code, or a failed WebAuthn assertion. */
  async finish(result: { ok: boolean }): Promise<AttemptResult> {
    if (this.#done) throw new Error('attempt already finished');
    this.#done = true;
    return this.#lockout._finishMfa(this.#subject, this.#ticket, result.ok);
  }

  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#lockout._abandon(this.#subject, 'mfa', this.#ticket);
  }
}

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function effectiveThreshold(state: CounterState | undefined, settings: LockoutSettings, now: number): number {
  // After a lockout, and until the level resets, each further counted failure locks again (as Entra does).
  const relocking =
    state !== undefined && state.level > 0 && now - state.lastLockoutAt < settings.levelResetSeconds * 1000;
  return relocking ? 1 : settings.threshold;
}

function liveFailures(state: CounterState, settings: LockoutSettings, now: number): number {
  return now - state.windowStart >= settings.observationWindowSeconds * 1000 ? 0 : state.failures;
}

function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

function lockInfo(state: CounterState | undefined, now: number): Omit<AttemptResult, 'counted' | 'repeatedPassword'> {
  return state && state.lockedUntil > now
    ? { locked: true, retryAfterSeconds: secondsUntil(state.lockedUntil, now) }
    : { locked: false, retryAfterSeconds: 0 };
}

function notCounted(repeatedPassword: boolean): AttemptResult {
  return { counted: false, repeatedPassword, locked: false, retryAfterSeconds: 0 };
}
