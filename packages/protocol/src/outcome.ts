/**
 * The typed result of one credential validation, shared by the agent (which produces it) and the cloud (which acts
 * on it). The names are part of the wire contract: add new ones, never rename.
 */
/** Account states that AD reports only when the password was right (see docs/ARCHITECTURE.md). */
export const ACCOUNT_STATE_OUTCOMES = [
  'account_disabled',
  'account_expired',
  'account_locked',
  'password_expired',
  'password_must_change',
  'logon_hours',
  'workstation_restricted',
] as const;

export const OUTCOMES = [
  // The password is right and the account may sign in.
  'ok',
  // Wrong password or unknown user: deliberately one outcome, so the cloud cannot leak which.
  'invalid_credentials',
  ...ACCOUNT_STATE_OUTCOMES,
  // Password change only: the directory refused the new password (history, complexity, minimum age).
  'password_policy',
  // Infrastructure failures. Never counted as a wrong password.
  'directory_unavailable',
  'directory_timeout',
  'directory_tls_error',
  'directory_error',
  // The cloud found no agent to take the request.
  'agent_unavailable',
  // The input was refused before any network call (empty password, control characters, oversized, wrong form).
  'bad_request',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that prove the password was right (AD returns the state sub-code only after a correct password). */
export const PASSWORD_PROVEN: ReadonlySet<Outcome> = new Set<Outcome>(['ok', ...ACCOUNT_STATE_OUTCOMES]);

/** Outcomes caused by infrastructure, never by the user: they must never count toward a lockout. */
export const INFRASTRUCTURE_FAILURES: ReadonlySet<Outcome> = new Set<Outcome>([
  'directory_unavailable',
  'directory_timeout',
  'directory_tls_error',
  'directory_error',
  'agent_unavailable',
]);

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}
