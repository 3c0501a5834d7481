import { ACCOUNT_STATE_OUTCOMES, OUTCOMES } from '@openpta/protocol';
import { z } from 'zod';

/**
 * One sign-in log record: one step of one sign-in attempt (the password step, then the second-factor step if any).
 * The schema is strict, so a record can carry only these fields: there is no field for a password, an OTP or a
 * recovery code, and an object with any other key is refused (see test/sign-in-log-record.test.ts).
 */
export const SIGN_IN_STAGES = ['password', 'mfa'] as const;

/** What the user saw. */
export const SIGN_IN_RESULTS = [
  // Signed in (password, and second factor when required).
  'success',
  // Password accepted; a second factor is asked next (a second record follows for the MFA step).
  'mfa_pending',
  // The user must enrol a second factor before finishing.
  'mfa_enrolment_required',
  'invalid_credentials',
  // Refused by the cloud's smart lockout, without contacting an agent.
  'locked_out',
  // Refused by the sign-in rate limit (HTTP 429).
  'rate_limited',
  'mfa_failed',
  'mfa_locked_out',
  // The password was right; the directory reports the account's state (account_locked: locked by AD itself).
  ...ACCOUNT_STATE_OUTCOMES,
  // Infrastructure failure or no agent: "try again later", never "wrong password".
  'service_unavailable',
  'bad_request',
] as const;

export const MFA_METHODS = ['totp', 'recovery_code', 'webauthn'] as const;

const text = (max: number) => z.string().max(max);
const millis = z.number().int().min(0).max(86_400_000).nullable().default(null);

export const signInLogEntrySchema = z.strictObject({
  /** Epoch ms; defaults to now when written. */
  time: z.number().int().min(0).optional(),
  tenantId: text(200).min(1),
  /** The sign-in name as typed (trimmed, at most 256 characters kept). */
  username: z
    .string()
    .transform((s) => s.trim().slice(0, 256))
    .pipe(z.string()),
  userId: text(200).nullable().default(null),
  clientId: text(200).nullable().default(null),
  ip: text(64).min(1),
  userAgent: z
    .string()
    .transform((s) => s.slice(0, 512))
    .nullable()
    .default(null),
  stage: z.enum(SIGN_IN_STAGES),
  /** The agent's outcome, when an agent answered (null when refused before: lockout, rate limit, bad input). */
  agentOutcome: z.enum(OUTCOMES).nullable().default(null),
  result: z.enum(SIGN_IN_RESULTS),
  agentId: text(200).nullable().default(null),
  /** The domain controller that answered (host name). */
  dc: text(255).nullable().default(null),
  timings: z
    .strictObject({ queueMs: millis, agentMs: millis, directoryMs: millis, totalMs: millis })
    .default({ queueMs: null, agentMs: null, directoryMs: null, totalMs: null }),
  mfaMethod: z.enum(MFA_METHODS).nullable().default(null),
  correlationId: text(200).min(1),
});

export type SignInLogEntryInput = z.input<typeof signInLogEntrySchema>;
export type SignInResult = (typeof SIGN_IN_RESULTS)[number];

/** A stored record as returned by queries. */
export interface SignInLogRecord {
  id: string;
  time: number;
  tenantId: string;
  username: string;
  userId: string | null;
  clientId: string | null;
  ip: string;
  userAgent: string | null;
  stage: (typeof SIGN_IN_STAGES)[number];
  agentOutcome: (typeof OUTCOMES)[number] | null;
  result: SignInResult;
  agentId: string | null;
  dc: string | null;
  timings: { queueMs: number | null; agentMs: number | null; directoryMs: number | null; totalMs: number | null };
  mfaMethod: (typeof MFA_METHODS)[number] | null;
  correlationId: string;
}

/**
 * What the user saw for an agent outcome at the password step (before any second factor). Infrastructure failures
 * become `service_unavailable`, never `invalid_credentials`.
 */
export function resultForOutcome(outcome: (typeof OUTCOMES)[number]): SignInResult {
  switch (outcome) {
    case 'ok':
      return 'success';
    case 'invalid_credentials':
    case 'account_disabled':
    case 'account_expired':
    case 'account_locked':
    case 'password_expired':
    case 'password_must_change':
    case 'logon_hours':
    case 'workstation_restricted':
    case 'bad_request':
      return outcome;
    case 'password_policy':
      return 'bad_request';
    default:
      return 'service_unavailable';
  }
}
