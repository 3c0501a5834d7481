import type { Outcome } from '@openpta/protocol';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { SignInLogEntryInput, SignInResult } from './record.ts';
import { resultForOutcome } from './record.ts';
import type { SignInLogStore } from './sign-in-log-store.ts';

/**
 * Writes sign-in log records from the sign-in flow. Best effort by design: a failing database write is logged (with
 * the correlation id) and never turns a sign-in into an error page; the operator's pino log still has the attempt.
 */
export interface SignInRecorder {
  record(entry: SignInLogEntryInput): Promise<void>;
}

export function createSignInRecorder(options: {
  store: SignInLogStore;
  logger: Pick<Logger, 'error'>;
  /** The app's Prometheus registry: counts failed writes (openpta_sign_in_log_write_failures_total). */
  registry?: Registry;
}): SignInRecorder {
  const name = 'openpta_sign_in_log_write_failures_total';
  const failures = options.registry
    ? ((options.registry.getSingleMetric(name) as Counter | undefined) ??
      new Counter({ name, help: 'Sign-in log records that could not be written', registers: [options.registry] }))
    : undefined;
  return {
    async record(entry) {
      try {
        await options.store.insert(entry);
      } catch (error) {
        failures?.inc();
        options.logger.error(
          { err: error, correlationId: entry.correlationId, tenantId: entry.tenantId },
          'could not write the sign-in log record; the attempt itself was not affected',
        );
      }
    },
  };
}

/** The request facts every record of one attempt shares. */
export interface AttemptFacts {
  tenantId: string;
  username: string;
  ip: string;
  userAgent?: string | null;
  clientId?: string | null;
  correlationId: string;
  userId?: string | null;
}

/**
 * The record of a password step. `refused` is set when the cloud answered without an agent (lockout, rate limit);
 * `lockedNow` when the agent answered but this failure locked the sign-in name (the user saw the lockout page);
 * `next` says what follows an accepted password (a second factor, or an MFA enrolment).
 */
export function passwordStepEntry(
  facts: AttemptFacts,
  step: {
    outcome?: Outcome;
    refused?: 'locked_out' | 'rate_limited';
    /** This wrong password reached the threshold: the agent answered, the user saw the lockout page. */
    lockedNow?: boolean;
    next?: 'mfa' | 'mfa_enrolment' | null;
    agentId?: string;
    dc?: string;
    timings?: Readonly<Record<string, number>>;
    totalMs?: number;
  },
): SignInLogEntryInput {
  let result: SignInResult;
  if (step.refused) result = step.refused;
  else if (step.lockedNow) result = 'locked_out';
  else if (!step.outcome) result = 'bad_request';
  else if (step.outcome === 'ok' && step.next === 'mfa') result = 'mfa_pending';
  else if (step.outcome === 'ok' && step.next === 'mfa_enrolment') result = 'mfa_enrolment_required';
  else result = resultForOutcome(step.outcome);
  return {
    ...common(facts),
    stage: 'password',
    agentOutcome: step.refused ? null : (step.outcome ?? null),
    result,
    agentId: step.agentId ?? null,
    dc: step.dc ?? null,
    timings: {
      ...timingsFrom(step.timings),
      ...(step.totalMs !== undefined ? { totalMs: Math.round(step.totalMs) } : {}),
    },
  };
}

/** The record of a second-factor step. */
export function mfaStepEntry(
  facts: AttemptFacts,
  step: { method: 'totp' | 'recovery_code' | 'webauthn'; ok: boolean; locked?: boolean; totalMs?: number },
): SignInLogEntryInput {
  return {
    ...common(facts),
    stage: 'mfa',
    result: step.ok ? 'success' : step.locked ? 'mfa_locked_out' : 'mfa_failed',
    mfaMethod: step.method,
    timings: step.totalMs !== undefined ? { totalMs: Math.round(step.totalMs) } : {},
  };
}

function common(facts: AttemptFacts) {
  return {
    tenantId: facts.tenantId,
    username: facts.username,
    ip: facts.ip,
    userAgent: facts.userAgent ?? null,
    clientId: facts.clientId ?? null,
    correlationId: facts.correlationId,
    userId: facts.userId ?? null,
  };
}

/**
 * Maps the verifier's free-form phase timings to the log's columns. Accepted names: queue/queueMs/queueWait,
 * agent/agentMs, directory/directoryMs/bind (bind + search are added), total/totalMs.
 */
export function timingsFrom(timings: Readonly<Record<string, number>> | undefined): {
  queueMs?: number;
  agentMs?: number;
  directoryMs?: number;
  totalMs?: number;
} {
  if (!timings) return {};
  const pick = (...names: string[]) => {
    for (const name of names) {
      const v = timings[name];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v);
    }
    return undefined;
  };
  const bindSearch = (pick('bind') ?? 0) + (pick('search') ?? 0);
  const out: { queueMs?: number; agentMs?: number; directoryMs?: number; totalMs?: number } = {};
  const queue = pick('queueMs', 'queue', 'queueWait', 'queueWaitMs');
  const agent = pick('agentMs', 'agent');
  const directory = pick('directoryMs', 'directory') ?? (bindSearch > 0 ? bindSearch : undefined);
  const total = pick('totalMs', 'total');
  if (queue !== undefined) out.queueMs = queue;
  if (agent !== undefined) out.agentMs = agent;
  if (directory !== undefined) out.directoryMs = directory;
  if (total !== undefined) out.totalMs = total;
  return out;
}
