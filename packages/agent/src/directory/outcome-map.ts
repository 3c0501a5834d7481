/**
 * The one place where Active Directory's answers become openpta outcomes. Everything the DC says (LDAP result codes,
 * AD's `data XXX` sub-codes in the diagnostic message) and every transport failure is mapped here and nowhere else.
 *
 * Rule: only LDAP result 49 (invalidCredentials) with sub-code 52e/525 (or no AD sub-code at all) is
 * invalid_credentials. Any transport or server failure maps to a directory_* outcome, never to a wrong password.
 */
import type { Outcome } from '@openpta/protocol';
import { AGENT_ERROR_CODES, AgentError } from './errors.ts';

/** AD sub-codes of a failed simple bind (the hex after `data ` in the diagnostic message, result 49). */
const BIND_SUB_CODES: Readonly<Record<string, Outcome>> = {
  '52e': 'invalid_credentials', // wrong password (Samba also for an unknown user)
  '525': 'invalid_credentials', // user not found (Windows DCs)
  '530': 'logon_hours',
  '531': 'workstation_restricted',
  '532': 'password_expired',
  '533': 'account_disabled',
  '534': 'account_disabled', // logon type not granted: the account may not sign in this way
  '701': 'account_expired',
  '773': 'password_must_change',
  '775': 'account_locked',
};

/** LDAP result codes (RFC 4511 4.1.9) that say the DC could not serve the request right now. */
const UNAVAILABLE_RESULT_CODES = new Set([51 /* busy */, 52 /* unavailable */]);

/** Extracts AD's sub-code from a diagnostic message such as `...AcceptSecurityContext error, data 52e, v1db1`. */
export function adSubCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{1,8})\b/i.exec(message)?.[1]?.toLowerCase();
}

function ldapResultCode(error: unknown): number | undefined {
  // ldapts errors carry the numeric LDAP result code in `code` (ResultCodeError subclasses).
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps the outcome of a transport failure (our own typed errors, raised by connection.ts). */
export function outcomeFromAgentError(error: AgentError): Outcome {
  switch (error.code) {
    case AGENT_ERROR_CODES.DC_UNREACHABLE:
      return 'directory_unavailable';
    case AGENT_ERROR_CODES.DC_TLS:
      return 'directory_tls_error';
    case AGENT_ERROR_CODES.DC_TIMEOUT:
      return 'directory_timeout';
    default:
      return 'directory_error';
  }
}

/** Maps what a user bind threw. An unknown error is a directory_error, never invalid_credentials. */
export function outcomeFromBindError(error: unknown): Outcome {
  if (error instanceof AgentError) return outcomeFromAgentError(error);
  const code = ldapResultCode(error);
  if (code === 49) {
    const sub = adSubCode((error as Error).message ?? '');
    // A non-AD server sends no sub-code; 49 alone is its "wrong credentials".
    if (sub === undefined) return 'invalid_credentials';
    return BIND_SUB_CODES[sub] ?? 'directory_error';
  }
  if (code !== undefined && UNAVAILABLE_RESULT_CODES.has(code)) return 'directory_unavailable';
  return 'directory_error';
}

/**
 * Maps what a unicodePwd delete/add (password change) threw. AD answers constraintViolation (19) for both a wrong old
 * password (`00000056`, ERROR_INVALID_PASSWORD) and a policy refusal (`0000052D`, ERROR_PASSWORD_RESTRICTION: history,
 * complexity, minimum age); the leading Win32 code tells them apart.
 */
export function outcomeFromPasswordChangeError(error: unknown): Outcome {
  if (error instanceof AgentError) return outcomeFromAgentError(error);
  const code = ldapResultCode(error);
  const message = (error as Error | null)?.message ?? '';
  if (code === 19) {
    const win32 = /^\s*([0-9a-f]{8})\b/i.exec(message)?.[1]?.toUpperCase();
    if (win32 === '00000056') return 'invalid_credentials';
    if (win32 === '0000052D') return 'password_policy';
    return 'password_policy';
  }
  // Windows DCs answer a wrong old password on some versions with result 49 and sub-code 52e/56.
  if (code === 49) return 'invalid_credentials';
  if (code !== undefined && UNAVAILABLE_RESULT_CODES.has(code)) return 'directory_unavailable';
  return 'directory_error';
}

/** True when the outcome is a credential answer from the DC: the attempt must stop on this DC. */
export function isCredentialAnswer(outcome: Outcome): boolean {
  return !outcome.startsWith('directory_') && outcome !== 'bad_request' && outcome !== 'agent_unavailable';
}

/** Classifies a socket/TLS error raised while connecting, by Node's error code. */
export function isTlsErrorCode(code: string | undefined): boolean {
  if (!code) return false;
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('CERT_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'ERR_AGENT_DC_TLS'
  );
}

/** Wraps an unknown connect-phase error in a typed agent error for the outcome mapping. */
export function connectErrorCode(error: unknown): (typeof AGENT_ERROR_CODES)[keyof typeof AGENT_ERROR_CODES] {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (isTlsErrorCode(code)) return AGENT_ERROR_CODES.DC_TLS;
  return AGENT_ERROR_CODES.DC_UNREACHABLE;
}
