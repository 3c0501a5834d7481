/**
 * After the DC said ok to the user bind: the attributes for the cloud, from the verified attribute cache
 * (attribute-cache.ts) or from the directory (the prefetched lookup, a lookup now, or a read with the user's own bind
 * when there is no service account).
 */

import type { Entry } from 'ldapts';
import type { StoredUser } from './attribute-cache.ts';
import { type BoundToken, readBoundToken } from './bound-token.ts';
import type { DirectoryConnection } from './connection.ts';
import type { DirectoryContext } from './context.ts';
import type { DcEndpoint } from './endpoint.ts';
import { DirectoryTransportError } from './errors.ts';
import type { ConnectionPool } from './pool.ts';
import { type Step, serviceStep } from './service-step.ts';
import type { AttemptResult } from './types.ts';
import { type AcceptedInput, collectAttributes, type FoundUser } from './user-entry.ts';

export interface BoundAttempt {
  readonly check: AcceptedInput;
  /** The user's entry when it was found before the bind (alternate login id). */
  readonly found: Entry | undefined;
  /** Whether this attempt verifies against (and fills) the cache; cached is the entry found, if any. */
  readonly useCache: boolean;
  /** AttributeCache.generation when the attempt started: what it looks up is stored only if nothing changed since. */
  readonly generation: number;
  readonly cached: StoredUser | undefined;
  readonly prefetch: Promise<Step<FoundUser>> | undefined;
  /** The user connection that carries the successful bind, and its pool. */
  readonly connection: DirectoryConnection;
  readonly pool: ConnectionPool;
  readonly dc: DcEndpoint;
  readonly dcs: readonly DcEndpoint[];
  readonly signal: AbortSignal;
}

export async function attributesAfterBind(ctx: DirectoryContext, a: BoundAttempt): Promise<AttemptResult> {
  const { check, cached, connection: c, pool, dc, signal } = a;
  const cache = ctx.attributeCache;
  let token: BoundToken | undefined;
  if (a.useCache && cache.enabled && check.target.kind === 'direct' && ctx.identityCheck.state !== 'unsupported') {
    if (cached && ctx.changeWatcher?.covers(cached.verifiedAt)) {
      // Change tracking is current: a change to this account or to any group would have dropped the entry.
      pool.release(c, true);
      ctx.metrics.attributeCache.inc({ result: 'hit_tracked' });
      return { outcome: 'ok', dc: dc.label, attributes: cached.attributes };
    }
    token = await tokenOrUndefined(ctx, c, dc, signal);
    if (cached && token?.sids.has(cached.sid) && token.key === cached.tokenKey) {
      // From now on change tracking covers it (if nothing changed while this attempt ran).
      if (cache.generation === a.generation) cache.markVerified(check.username);
      pool.release(c, true);
      ctx.metrics.attributeCache.inc({ result: 'hit' });
      return { outcome: 'ok', dc: dc.label, attributes: cached.attributes };
    }
    const result = !token
      ? 'unverifiable'
      : !cached
        ? 'miss'
        : token.sids.has(cached.sid)
          ? 'token_changed'
          : 'account_changed';
    ctx.metrics.attributeCache.inc({ result });
    if (cached) cache.delete(check.username);
  }

  let user: FoundUser;
  if (!ctx.service) {
    // No service account: read with the user's own bind, on this connection, within this attempt.
    try {
      user = await collectAttributes(ctx, c, a.found, check, signal);
      pool.release(c, true);
    } catch (error) {
      pool.release(c, false);
      return unavailable(dc, (error as Error).message);
    }
  } else {
    pool.release(c, true);
    const collect = (sc: DirectoryConnection) => collectAttributes(ctx, sc, a.found, check, signal);
    const step = await (a.prefetch ?? serviceStep(ctx, a.dcs, signal, collect, dc));
    if (!step.ok) {
      const result = unavailable(dc, step.error?.message ?? step.outcome);
      return step.outcome === 'directory_unavailable' ? { ...result, outcome: 'directory_unavailable' } : result;
    }
    user = step.value;
  }
  if (token) {
    const refused = remember(ctx, check.username, user, token, a.generation);
    if (refused) return { outcome: 'directory_error', dc: dc.label, reason: refused };
  }
  return { outcome: 'ok', dc: dc.label, attributes: user.attributes };
}

function unavailable(dc: DcEndpoint, message: string): AttemptResult {
  return { outcome: 'directory_error', dc: dc.label, reason: `password verified, attributes unavailable: ${message}` };
}

/**
 * The bound session's token, or undefined when it cannot be read. A DC that answers without tokenGroups does not
 * support it: the cache is then not used for the life of this validator (logged once); a transport failure only
 * skips the cache for this attempt.
 */
async function tokenOrUndefined(
  ctx: DirectoryContext,
  c: DirectoryConnection,
  dc: DcEndpoint,
  signal: AbortSignal,
): Promise<BoundToken | undefined> {
  try {
    return await readBoundToken(c, signal);
  } catch (error) {
    // Transport failures and a busy DC (timeLimitExceeded 3, busy 51, unavailable 52) say nothing about support.
    const code = (error as { code?: unknown }).code;
    if (error instanceof DirectoryTransportError || code === 3 || code === 51 || code === 52) return undefined;
    unsupported(
      ctx,
      `the root DSE of ${dc.label} gives no tokenGroups for the bound user (${(error as Error).message})`,
    );
    return undefined;
  }
}

function unsupported(ctx: DirectoryContext, why: string): void {
  if (ctx.identityCheck.state === 'unsupported') return;
  ctx.identityCheck.state = 'unsupported';
  ctx.logger.warn(
    { event: 'attribute_cache_unverifiable', reason: why },
    'the attribute cache cannot verify users on this directory and is not used: every sign-in looks the user up',
  );
}

/**
 * Caches the looked-up user when the bound session's token names its account. When it does not, either the DC's
 * token never lists the user's own SID (then the cache cannot verify anything and stays unused), or the lookup found
 * another account than the one that proved the password (the login name moved between the two): once this DC has
 * shown that tokens list the user, that is refused rather than sent to the cloud as the wrong user.
 */
function remember(
  ctx: DirectoryContext,
  username: string,
  user: FoundUser,
  token: BoundToken,
  generation: number,
): string | undefined {
  if (user.sid && token.sids.has(user.sid)) {
    ctx.identityCheck.state = 'works';
    // A change applied while this attempt ran may postdate what it looked up: do not store it.
    if (ctx.attributeCache.generation === generation) {
      ctx.attributeCache.set(username, { attributes: user.attributes, sid: user.sid, tokenKey: token.key });
    }
    return undefined;
  }
  if (ctx.identityCheck.state === 'works') {
    return 'the account found for this login name is not the one that proved the password (renamed during the sign-in?)';
  }
  unsupported(ctx, "the root DSE's tokenGroups does not list the user's own SID");
  return undefined;
}
