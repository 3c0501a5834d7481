/**
 * The ONE seam between sign-in and whatever checks a password. Sign-in never talks to LDAP, agents or queues
 * directly: it calls a CredentialVerifier and acts on the typed outcome. Two implementations exist: the in-process
 * one in this folder (the agent's directory validator run inside the cloud process: tests, demo, trial) and the
 * agent channel's (password encrypted to the tenant's agents; production).
 *
 * Contract for implementations:
 * - never log, persist or queue the password in plaintext (only inside the agent's encryption);
 * - an empty password, a control character or an oversized value is `bad_request` before any network call;
 * - an infrastructure failure is one of INFRASTRUCTURE_FAILURES, never `invalid_credentials`;
 * - resolve, never reject, for anything the directory or the transport can do (reject only on programmer error).
 */
import type { DirectoryAttributes, Outcome } from '@openpta/protocol';

export interface VerifyPasswordRequest {
  readonly tenantId: string;
  /** What the user typed, already NFC-normalised and trimmed by sign-in (a UPN). */
  readonly username: string;
  readonly password: string;
  /** Ties the cloud's log line, the agent's log line and the page the user sees together. */
  readonly correlationId: string;
  readonly signal?: AbortSignal;
}

export interface VerifyPasswordResult {
  readonly outcome: Outcome;
  /** Present when the outcome is `ok` (and may be present for other password-proven outcomes). */
  readonly attributes?: DirectoryAttributes;
  readonly agentId?: string;
  /** The domain controller that answered, for the operator's log. */
  readonly dc?: string;
  /** Milliseconds per phase (e.g. { bind: 12, search: 3 }), for the operator's log and metrics. */
  readonly timings?: Readonly<Record<string, number>>;
}

export interface ChangePasswordRequest {
  readonly tenantId: string;
  readonly username: string;
  readonly oldPassword: string;
  readonly newPassword: string;
  readonly correlationId: string;
  readonly signal?: AbortSignal;
}

export interface ChangePasswordResult {
  /** `ok` when changed; `password_policy` when the directory refused the new password; else as for verify. */
  readonly outcome: Outcome;
}

export interface CredentialVerifier {
  verifyPassword(req: VerifyPasswordRequest): Promise<VerifyPasswordResult>;
  changePassword(req: ChangePasswordRequest): Promise<ChangePasswordResult>;
}
