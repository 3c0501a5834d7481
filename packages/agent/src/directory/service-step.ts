/**
 * A service-account operation (search, attribute read, password change) on the first DC that works. Transport
 * failures before any user credential was sent move on to the next DC; every other failure ends the step.
 */
import type { Outcome } from '@openpta/protocol';
import type { DirectoryConnection } from './connection.ts';
import type { DirectoryContext } from './context.ts';
import type { DcEndpoint } from './endpoint.ts';
import { AgentError, DirectoryTransportError } from './errors.ts';
import { outcomeFromAgentError } from './outcome-map.ts';

export type Step<T> =
  | { readonly ok: true; readonly value: T; readonly dc: DcEndpoint }
  | { readonly ok: false; readonly outcome: Outcome; readonly dc?: DcEndpoint; readonly error?: Error };

/** The outcome to report when every DC failed at the transport level: the most telling failure wins. */
export function worstTransportOutcome(errors: readonly Error[]): Outcome {
  const outcomes = errors.map((e) => (e instanceof AgentError ? outcomeFromAgentError(e) : 'directory_error'));
  for (const o of ['directory_tls_error', 'directory_timeout', 'directory_error'] as const) {
    if (outcomes.includes(o)) return o;
  }
  return 'directory_unavailable';
}

export async function serviceStep<T>(
  ctx: DirectoryContext,
  dcs: readonly DcEndpoint[],
  signal: AbortSignal,
  fn: (c: DirectoryConnection, dc: DcEndpoint) => Promise<T>,
  preferred?: DcEndpoint,
): Promise<Step<T>> {
  const order = preferred ? [preferred, ...dcs.filter((d) => d.label !== preferred.label)] : [...dcs];
  const failures: Error[] = [];
  for (const dc of order) {
    const pool = ctx.poolsFor(dc).service;
    if (!pool) return { ok: false, outcome: 'directory_error', error: new Error('no service account configured') };
    let c: DirectoryConnection | undefined;
    try {
      c = await pool.acquire(signal);
      const value = await fn(c, dc);
      pool.release(c, true);
      ctx.dcSet.markUp(dc.label);
      return { ok: true, value, dc };
    } catch (error) {
      if (c) pool.release(c, false);
      if (error instanceof DirectoryTransportError && error.beforeCredentials && !signal.aborted) {
        failures.push(error);
        ctx.markDown(dc, error, signal);
        continue;
      }
      if (signal.aborted) return { ok: false, outcome: 'directory_timeout', dc, error: error as Error };
      if (error instanceof AgentError) return { ok: false, outcome: outcomeFromAgentError(error), dc, error };
      return { ok: false, outcome: 'directory_error', dc, error: error as Error };
    }
  }
  return { ok: false, outcome: worstTransportOutcome(failures), error: failures.at(-1) };
}
