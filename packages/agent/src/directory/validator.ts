/**
 * The directory validator: validate(username, password) and changePassword(username, old, new) against AD. This
 * file is the frame around every attempt: refuse bad input before any network call (input.ts), run the attempt under
 * the overall deadline (validate-attempt.ts, password-change.ts), then log username, DC, outcome and time (never the
 * password) and count it in the metrics.
 */
import type { Outcome } from '@openpta/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResolvedDirectoryConfig } from '../config/schema.ts';
import { createContext } from './context.ts';
import type { SrvLookup } from './dc-set.ts';
import { directoryHealth } from './health.ts';
import { checkInput, checkText, MAX_PASSWORD_LENGTH } from './input.ts';
import { createAgentLogger } from './logger.ts';
import { createDirectoryMetrics } from './metrics.ts';
import { changePasswordAttempt } from './password-change.ts';
import type { AttemptResult, DirectoryValidator, PasswordChangeResult, ValidationResult } from './types.ts';
import { validateAttempt } from './validate-attempt.ts';

export type { DcHealth, DirectoryHealth, DirectoryValidator, PasswordChangeResult, ValidationResult } from './types.ts';

export interface ValidatorOptions {
  readonly logger?: Logger;
  /** DNS SRV lookup to use instead of node:dns (tests, custom resolvers). */
  readonly resolveSrv?: SrvLookup;
  readonly registry?: Registry;
}

/** A username for the log line, whatever the caller passed (never throws, never huge). */
function printable(username: unknown): string {
  return typeof username === 'string' ? username.slice(0, 256) : `(${typeof username})`;
}

export function createDirectoryValidator(
  config: ResolvedDirectoryConfig,
  options: ValidatorOptions = {},
): DirectoryValidator {
  const logger = options.logger ?? createAgentLogger();
  const metrics = createDirectoryMetrics(options.registry);
  const ctx = createContext(config, logger, metrics, options.resolveSrv);
  let closed = false;

  /** Runs an attempt under the overall timeout; an unexpected exception becomes directory_error. */
  async function withDeadline(fn: (signal: AbortSignal) => Promise<AttemptResult>): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeouts.overallMs);
    try {
      return await fn(controller.signal);
    } catch (error) {
      return { outcome: 'directory_error', reason: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  function record(
    operation: 'validate' | 'change_password',
    username: unknown,
    started: number,
    result: AttemptResult,
  ) {
    const elapsedMs = Math.round((performance.now() - started) * 1000) / 1000;
    metrics.outcomes.inc({ operation, outcome: result.outcome });
    metrics.duration.observe({ operation }, elapsedMs / 1000);
    const line = {
      event: operation,
      // A refused username may be garbage (control characters, megabytes): log a bounded, JSON-safe excerpt.
      username: printable(username),
      dc: result.dc,
      outcome: result.outcome,
      elapsed_ms: elapsedMs,
      ...(result.reason && result.outcome !== 'ok' ? { reason: result.reason } : {}),
    };
    if (result.outcome.startsWith('directory_')) logger.warn(line, `${operation}: ${result.outcome}`);
    else logger.info(line, `${operation}: ${result.outcome}`);
    return elapsedMs;
  }

  async function validate(username: string, password: string): Promise<ValidationResult> {
    const started = performance.now();
    const check = checkInput(username, password, config.login);
    let result: AttemptResult;
    if (!check.ok) result = { outcome: 'bad_request', reason: check.reason };
    else if (closed) result = { outcome: 'directory_error', reason: 'the validator is closed' };
    else {
      ctx.changeWatcher?.start();
      ctx.validationsInFlight.count++;
      try {
        result = await withDeadline((signal) => validateAttempt(ctx, check, password, signal));
      } finally {
        ctx.validationsInFlight.count--;
      }
    }
    const elapsedMs = record('validate', check.ok ? check.username : username, started, result);
    return {
      outcome: result.outcome,
      ...(result.dc ? { dc: result.dc } : {}),
      elapsedMs,
      ...(result.attributes ? { attributes: result.attributes } : {}),
    };
  }

  async function changePassword(
    username: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<PasswordChangeResult> {
    const started = performance.now();
    const check = checkInput(username, oldPassword, config.login);
    const newProblem = checkText('new password', newPassword, MAX_PASSWORD_LENGTH);
    let result: AttemptResult;
    if (!check.ok) result = { outcome: 'bad_request', reason: check.reason };
    else if (newProblem) result = { outcome: 'bad_request', reason: newProblem };
    else if (closed) result = { outcome: 'directory_error', reason: 'the validator is closed' };
    else result = await withDeadline((signal) => changePasswordAttempt(ctx, check, oldPassword, newPassword, signal));
    const elapsedMs = record('change_password', check.ok ? check.username : username, started, result);
    return { outcome: result.outcome as Outcome, ...(result.dc ? { dc: result.dc } : {}), elapsedMs };
  }

  // Health sweep: drop pooled connections the DC closed or that sat idle too long.
  const sweeper = setInterval(() => {
    for (const p of ctx.pools.values()) {
      p.user.sweep();
      p.service?.sweep();
    }
  }, config.pool.healthCheckIntervalMs);
  sweeper.unref();

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearInterval(sweeper);
    ctx.changeWatcher?.stop();
    await Promise.all([...ctx.pools.values()].flatMap((p) => [p.user.close(), p.service?.close()]));
  }

  return { validate, changePassword, health: () => directoryHealth(ctx), close, metrics: metrics.registry };
}
