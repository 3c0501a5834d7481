/** The validator's public result types (what createDirectoryValidator() returns and answers). */
import type { Outcome } from '@openpta/protocol';
import type { Registry } from 'prom-client';
import type { UserAttributes } from './attributes.ts';
import type { PoolStats } from './pool.ts';

export interface ValidationResult {
  readonly outcome: Outcome;
  /** The DC that gave the answer (absent for bad_request, or when no DC could be reached). */
  readonly dc?: string;
  readonly elapsedMs: number;
  /** Present when outcome is ok. */
  readonly attributes?: UserAttributes;
}

export interface PasswordChangeResult {
  readonly outcome: Outcome;
  readonly dc?: string;
  readonly elapsedMs: number;
}

export interface DcHealth {
  readonly dc: string;
  readonly markedDown: boolean;
  readonly reachable: boolean;
  readonly error?: string;
  readonly pools: { readonly user?: PoolStats; readonly service?: PoolStats };
}

export interface DirectoryHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly dcs: readonly DcHealth[];
}

export interface DirectoryValidator {
  validate(username: string, password: string): Promise<ValidationResult>;
  changePassword(username: string, oldPassword: string, newPassword: string): Promise<PasswordChangeResult>;
  /** Probes every known DC (service account bind + RootDSE read, or a connection without one). */
  health(): Promise<DirectoryHealth>;
  /** Closes every pooled connection and timer. */
  close(): Promise<void>;
  /** Prometheus registry with this validator's metrics. */
  readonly metrics: Registry;
}

/** What one attempt found, before timing and logging. `reason` is for the log line only. */
export interface AttemptResult {
  readonly outcome: Outcome;
  readonly dc?: string;
  readonly attributes?: UserAttributes;
  readonly reason?: string;
}
