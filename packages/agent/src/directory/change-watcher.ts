/**
 * Change tracking for the verified attribute cache (attribute-cache.ts). Every `attributes.changePollMs` the agent
 * reads the DC's highestCommittedUSN from the root DSE with the service account; when it moved, one search returns the
 * users and groups whose uSNChanged is newer. A changed user drops the cache entries of its account and of the names
 * it now has; a changed group drops everything (a membership lives in the group's `member`, and a user's `memberOf`
 * back-link does not change the user's USN). While the watcher is current, a cached sign-in costs the DC the bind
 * alone: identity and group changes are seen within one poll (plus AD's own replication to the polled DC, 15 s within
 * a site by default), instead of at the next sign-in. A sign-in verifies the bound token as before whenever the
 * watcher is not current (no service account, polls failing, the entry older than the watcher's start).
 *
 * Measured on the test bed: a successful bind does not change the user's uSNChanged (lastLogon and badPwdCount are
 * not replicated); only lastLogonTimestamp does, once in about 14 days per user. USNs are per DC: when the polled DC
 * changes (failover) or its USN goes back (restore), the cache is emptied and tracking starts again.
 */

import { sidOf } from './bound-token.ts';
import type { DirectoryContext } from './context.ts';
import { textValues } from './entry-values.ts';

const CHANGED_OBJECTS = '(|(&(objectCategory=person)(objectClass=user))(objectClass=group))';

export class ChangeWatcher {
  readonly #ctx: DirectoryContext;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #dc: string | undefined;
  #usn: bigint | undefined;
  /** When tracking started on the current DC: entries stored before it are not covered. */
  #since = Number.POSITIVE_INFINITY;
  #lastOk = 0;
  #failing = false;

  constructor(ctx: DirectoryContext, intervalMs: number) {
    this.#ctx = ctx;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer || this.#intervalMs <= 0) return;
    // The first poll waits one interval: the sign-in that started the watcher goes first, so a refused service
    // account is found (and blocked, context.ts) by one bind, not two.
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Whether changes made after `storedAt` would have been seen by now (within one poll). */
  covers(storedAt: number, now = Date.now()): boolean {
    return this.#usn !== undefined && storedAt >= this.#since && now - this.#lastOk < 2 * this.#intervalMs;
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    const ctx = this.#ctx;
    const signal = AbortSignal.timeout(ctx.config.timeouts.overallMs);
    try {
      const dc = (await ctx.dcSet.candidates())[0];
      const pool = dc ? ctx.poolsFor(dc).service : undefined;
      if (!dc || !pool) return;
      const c = await pool.acquire(signal);
      let reusable = false;
      try {
        const root = await c.search('', { scope: 'base', attributes: ['highestCommittedUSN'] }, signal);
        const raw = String(root[0]?.highestCommittedUSN ?? '');
        if (!/^\d+$/.test(raw)) throw new Error(`the root DSE of ${dc.label} gives no highestCommittedUSN`);
        const usn = BigInt(raw);
        if (this.#dc !== dc.label || this.#usn === undefined || usn < this.#usn) {
          // (Re)start: what happened before this read is unknown, so nothing stored before it is covered, and an
          // attempt that started before it does not store what it looked up (the cache generation moves).
          this.#dropAll('dc_changed');
          this.#dc = dc.label;
          this.#since = Date.now();
        } else if (usn > this.#usn) {
          const changed = await c.search(
            ctx.config.baseDn,
            {
              scope: 'sub',
              filter: `(&(uSNChanged>=${this.#usn + 1n})${CHANGED_OBJECTS})`,
              attributes: ['objectSid', 'objectClass', 'userPrincipalName', 'sAMAccountName'],
              explicitBufferAttributes: ['objectSid'],
              paged: { pageSize: 500 },
            },
            signal,
          );
          this.#apply(changed);
        }
        this.#usn = usn;
        this.#lastOk = Date.now();
        reusable = true;
        ctx.metrics.changePolls.inc({ result: 'ok' });
        if (this.#failing) {
          this.#failing = false;
          ctx.logger.info({ event: 'change_tracking_resumed', dc: dc.label }, 'directory change tracking resumed');
        }
      } finally {
        pool.release(c, reusable);
      }
    } catch (error) {
      ctx.metrics.changePolls.inc({ result: 'failed' });
      if (!this.#failing) {
        this.#failing = true;
        ctx.logger.warn(
          { event: 'change_tracking_failed', err: (error as Error).message },
          'directory change tracking failed: cached sign-ins read the bound token until it works again',
        );
      }
    } finally {
      this.#polling = false;
    }
  }

  #apply(changed: readonly Record<string, unknown>[]): void {
    const cache = this.#ctx.attributeCache;
    for (const entry of changed) {
      const classes = textValues(entry, 'objectClass').map((v) => v.toLowerCase());
      if (classes.includes('group')) {
        this.#dropAll('group_changed');
        return;
      }
      const dropped = cache.dropChangedUser(sidOf(entry), {
        upn: textValues(entry, 'userPrincipalName')[0],
        sam: textValues(entry, 'sAMAccountName')[0],
      });
      if (dropped > 0) this.#ctx.metrics.attributeCacheDrops.inc({ reason: 'user_changed' }, dropped);
    }
  }

  #dropAll(reason: 'group_changed' | 'dc_changed'): void {
    const size = this.#ctx.attributeCache.size;
    this.#ctx.attributeCache.clear();
    if (size > 0) this.#ctx.metrics.attributeCacheDrops.inc({ reason }, size);
  }
}
