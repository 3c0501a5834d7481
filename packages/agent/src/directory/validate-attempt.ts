/**
 * One validation attempt after the input was accepted, top to bottom:
 *   1. pick DCs (dc-set.ts): healthy ones in order.
 *   2. alternate login id only: find exactly one user with the service account (any DC; failover-safe).
 *   3. ONE user bind, on a pooled connection of the first DC that connects. Connect/TLS failures move to the next
 *      DC; once the bind has been written, whatever happens ends the attempt (the DC may have counted it).
 *   4. on ok (attributes-after-bind.ts): attributes and groups from the verified attribute cache, or prefetched with
 *      the service account while the bind was in flight, or, without a service account, read with the user's own
 *      bind on the same connection before it goes back to the pool.
 */
import type { Outcome } from '@openpta/protocol';
import type { Entry } from 'ldapts';
import { attributesAfterBind } from './attributes-after-bind.ts';
import type { DirectoryConnection } from './connection.ts';
import type { DirectoryContext } from './context.ts';
import { AGENT_ERROR_CODES, DirectoryTransportError } from './errors.ts';
import { outcomeFromBindError } from './outcome-map.ts';
import { type Step, serviceStep, worstTransportOutcome } from './service-step.ts';
import type { AttemptResult } from './types.ts';
import { type AcceptedInput, collectAttributes, type FoundUser, lookupEntry } from './user-entry.ts';

export async function validateAttempt(
  ctx: DirectoryContext,
  check: AcceptedInput,
  password: string,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const { dcSet, metrics, attributeCache, service } = ctx;
  const dcs = await dcSet.candidates();
  if (dcs.length === 0) return { outcome: 'directory_unavailable', reason: 'no DC configured or discovered' };
  let bindName: string;
  let found: Entry | undefined;
  let order = dcs;
  if (check.target.kind === 'search') {
    const matches = check.target.matches;
    const step = await serviceStep(ctx, dcs, signal, (c) => lookupEntry(ctx, c, matches, signal));
    if (!step.ok) return { outcome: step.outcome, dc: step.dc?.label, reason: step.error?.message };
    if (step.value.length !== 1) {
      // No bind at all: an unknown or ambiguous login id is a wrong sign-in, not a hint about which.
      return {
        outcome: 'invalid_credentials',
        dc: step.dc.label,
        reason: step.value.length === 0 ? 'no user has this login id' : 'login id matches several users',
      };
    }
    found = step.value[0]!;
    bindName = found.dn;
    // Bind on the DC that answered the search first: it certainly knows the user.
    order = [step.dc, ...dcs.filter((d) => d.label !== step.dc.label)];
  } else {
    bindName = check.target.bindName;
  }

  // The verified cache trades a round trip (the token read after the bind) for the DC's lookup: worth it when other
  // sign-ins are waiting for the DC, not when this one is alone (then the lookup runs in parallel with the bind and
  // costs no time). attributes.cacheFromConcurrency sets where that changes.
  const useCache = ctx.validationsInFlight.count >= ctx.config.attributes.cacheFromConcurrency;
  const generation = attributeCache.generation;
  const cached = useCache && check.target.kind === 'direct' ? attributeCache.get(check.username) : undefined;
  // Prefetch: look the user's attributes up on a service connection while the bind is in flight, so a sign-in
  // costs the latency of the bind alone. The result is used only if the bind says ok.
  const collect = (sc: DirectoryConnection) => collectAttributes(ctx, sc, found, check, signal);
  const wantPrefetch = service !== undefined && !found && !cached && ctx.config.attributes.prefetch;
  let prefetch: Promise<Step<FoundUser>> | undefined;

  const failures: Error[] = [];
  for (const dc of order) {
    const pool = ctx.poolsFor(dc).user;
    let c: DirectoryConnection;
    try {
      c = await pool.acquire(signal);
    } catch (error) {
      if (signal.aborted) return { outcome: 'directory_timeout', dc: dc.label, reason: (error as Error).message };
      failures.push(error as Error);
      ctx.markDown(dc, error as Error, signal);
      continue;
    }
    try {
      // Counted only when the bind is really written: c.bind() checks the socket in this same tick.
      if (c.usable) metrics.userBinds.inc({ dc: dc.label });
      const bound = c.bind(bindName, password, true, signal);
      // The lookup leaves right after the bind, so the DC starts on the bind (the slow one) first and the agent
      // encodes the search while the DC works on the bind.
      if (wantPrefetch && !prefetch) prefetch = serviceStep(ctx, dcs, signal, collect, dc);
      await bound;
    } catch (error) {
      if (error instanceof DirectoryTransportError && error.beforeCredentials) {
        // The bind was never written (the connection had just closed): safe to use the next DC.
        pool.release(c, false);
        failures.push(error);
        continue;
      }
      const outcome: Outcome = signal.aborted ? 'directory_timeout' : outcomeFromBindError(error);
      // A credential answer (result 49) leaves the connection fit for the next re-bind; anything else breaks it.
      pool.release(c, (error as { code?: unknown }).code === 49);
      if (error instanceof DirectoryTransportError && error.code === AGENT_ERROR_CODES.DC_TIMEOUT) {
        ctx.markDown(dc, error, signal);
      }
      attributeCache.delete(check.username);
      return { outcome, dc: dc.label, reason: (error as Error).message };
    }
    dcSet.markUp(dc.label);
    return attributesAfterBind(ctx, {
      check,
      found,
      useCache,
      generation,
      cached,
      prefetch,
      connection: c,
      pool,
      dc,
      dcs,
      signal,
    });
  }
  return { outcome: worstTransportOutcome(failures), reason: failures.map((f) => f.message).join('; ') };
}
