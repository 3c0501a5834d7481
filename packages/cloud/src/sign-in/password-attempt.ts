/**
 * One password check, in order: per-username lockout gate -> credential verifier (with a deadline) -> lockout
 * bookkeeping -> metrics and one log line. Returns the verifier's result; never throws for anything the verifier or
 * the directory can do (a verifier that throws is reported as directory_error, never as a wrong password).
 */
import { performance } from 'node:perf_hooks';
import type { Outcome } from '@openpta/protocol';
import type { Logger } from 'pino';
import type { CredentialVerifier, VerifyPasswordResult } from '../credentials/credential-verifier.ts';
import type { SmartLockout } from '../protection/index.ts';
import { protectionSettingsFromTenant } from '../protection/index.ts';
import type { Tenant } from '../tenants/index.ts';
import type { SignInMetrics } from './metrics.ts';

export interface AttemptContext {
  readonly tenant: Tenant;
  readonly username: string;
  readonly ip: string;
  readonly correlationId: string;
  /** performance.now() when the request arrived: the histogram measures what the user waits. */
  readonly startedAt: number;
}

export interface AttemptDeps {
  readonly verifier: CredentialVerifier;
  readonly lockout?: SmartLockout;
  readonly metrics: SignInMetrics;
  readonly logger: Logger;
  readonly timeoutMs: number;
}

export type AttemptResult =
  | ({ readonly locked?: false } & VerifyPasswordResult)
  | {
      readonly locked: true;
      /** True when the lockout answered without asking the directory; false when this failure locked it. */
      readonly refused: boolean;
      /** What the directory said (refused: account_locked, never sent). */
      readonly outcome: Outcome;
      readonly retryAfterSeconds: number;
      readonly agentId?: string;
      readonly dc?: string;
      readonly timings?: Readonly<Record<string, number>>;
    };

/**
 * Runs a verifier call with a deadline: the signal asks the verifier to stop, and the page does not wait past the
 * deadline even if a verifier ignores the signal (the answer is then directory_timeout, never a wrong password).
 */
async function withDeadline<T extends { outcome: Outcome }>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T | { outcome: 'directory_timeout' }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ outcome: 'directory_timeout' }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('sign-in deadline reached'));
      resolve({ outcome: 'directory_timeout' });
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function lockoutSubject(ctx: AttemptContext) {
  return {
    tenantId: ctx.tenant.id,
    username: ctx.username,
    ip: ctx.ip,
    settings: protectionSettingsFromTenant(ctx.tenant.settings).lockout,
  };
}

/**
 * The `outcome` label of openpta_signins_total: the directory's outcome, or what the cloud decided without asking
 * it (`locked_out`: smart lockout; `rate_limited`: per-address/tenant budget), so a cloud lockout is never confused
 * with Active Directory's own `account_locked`.
 */
export type AttemptLabel = Outcome | 'locked_out' | 'rate_limited';

/** Records a finished attempt: counter, histogram, one log line (never the password). */
export function recordAttempt(
  deps: Pick<AttemptDeps, 'metrics' | 'logger'>,
  ctx: AttemptContext,
  outcome: AttemptLabel,
  extra: Record<string, unknown> = {},
): void {
  const elapsedMs = Math.round(performance.now() - ctx.startedAt);
  deps.metrics.attempts.inc({ outcome });
  deps.metrics.duration.observe({ outcome }, elapsedMs / 1000);
  deps.logger.info(
    {
      event: 'sign_in',
      tenant: ctx.tenant.name,
      username: ctx.username,
      outcome,
      correlationId: ctx.correlationId,
      elapsedMs,
      ip: ctx.ip,
      ...extra,
    },
    'sign-in attempt',
  );
}

export async function checkPassword(deps: AttemptDeps, ctx: AttemptContext, password: string): Promise<AttemptResult> {
  const gate = deps.lockout ? await deps.lockout.beginPassword(lockoutSubject(ctx)) : undefined;
  if (gate?.locked) {
    recordAttempt(deps, ctx, 'locked_out', { reason: 'smart_lockout', counter: gate.counter });
    return { locked: true, refused: true, outcome: 'account_locked', retryAfterSeconds: gate.retryAfterSeconds };
  }
  let result: VerifyPasswordResult;
  try {
    result = await withDeadline(deps.timeoutMs, (signal) =>
      deps.verifier.verifyPassword({
        tenantId: ctx.tenant.id,
        username: ctx.username,
        password,
        correlationId: ctx.correlationId,
        signal,
      }),
    );
  } catch (error) {
    deps.logger.error({ err: error, correlationId: ctx.correlationId }, 'credential verifier failed');
    result = { outcome: 'directory_error' };
  }
  // An `ok` without the directory's immutable id cannot become a user: treat it as a directory error.
  if (result.outcome === 'ok' && !result.attributes?.objectGuid) {
    deps.logger.error({ correlationId: ctx.correlationId }, 'verifier answered ok without attributes');
    result = { outcome: 'directory_error' };
  }
  if (gate && !gate.locked) {
    const counted = await gate.finish({ outcome: result.outcome, password });
    if (result.outcome === 'invalid_credentials' && counted.locked) {
      recordAttempt(deps, ctx, result.outcome, { agentId: result.agentId, dc: result.dc, lockedNow: true });
      return {
        locked: true,
        refused: false,
        outcome: result.outcome,
        retryAfterSeconds: counted.retryAfterSeconds,
        agentId: result.agentId,
        dc: result.dc,
        timings: result.timings,
      };
    }
  }
  recordAttempt(deps, ctx, result.outcome, { agentId: result.agentId, dc: result.dc, timings: result.timings });
  return { ...result, locked: false };
}

export type ChangeResult =
  | { readonly locked: false; readonly outcome: Outcome }
  | { readonly locked: true; readonly retryAfterSeconds: number };

/**
 * A password change at sign-in sends the current password to the directory too, so it goes through the same
 * per-username lockout as a sign-in: a wrong current password counts as a failure (invalid_credentials).
 */
export async function changePassword(
  deps: AttemptDeps,
  ctx: AttemptContext,
  oldPassword: string,
  newPassword: string,
): Promise<ChangeResult> {
  const gate = deps.lockout ? await deps.lockout.beginPassword(lockoutSubject(ctx)) : undefined;
  if (gate?.locked) return { locked: true, retryAfterSeconds: gate.retryAfterSeconds };
  let outcome: Outcome;
  try {
    ({ outcome } = await withDeadline(deps.timeoutMs, (signal) =>
      deps.verifier.changePassword({
        tenantId: ctx.tenant.id,
        username: ctx.username,
        oldPassword,
        newPassword,
        correlationId: ctx.correlationId,
        signal,
      }),
    ));
  } catch (error) {
    deps.logger.error({ err: error, correlationId: ctx.correlationId }, 'credential verifier failed (change)');
    outcome = 'directory_error';
  }
  deps.metrics.passwordChanges.inc({ outcome });
  deps.logger.info(
    {
      event: 'password_change',
      tenant: ctx.tenant.name,
      username: ctx.username,
      outcome,
      correlationId: ctx.correlationId,
      elapsedMs: Math.round(performance.now() - ctx.startedAt),
    },
    'password change at sign-in',
  );
  if (gate && !gate.locked) {
    // Only invalid_credentials (a wrong current password) counts; password_policy and ok do not.
    const counted = await gate.finish({ outcome, password: oldPassword });
    if (outcome === 'invalid_credentials' && counted.locked) {
      return { locked: true, retryAfterSeconds: counted.retryAfterSeconds };
    }
  }
  return { locked: false, outcome };
}
