/**
 * The trial directory's typed errors, one registry of stable codes (like jose's `ERR_*`), so callers and tests
 * branch on `code`, never on message text.
 */
export const TRIAL_DIRECTORY_ERROR_CODES = [
  // A PDU broke the BER rules of RFC 4511 section 5.1 (or the server's size limits): the connection is closed.
  'ERR_BER_MALFORMED',
  'ERR_BER_TOO_LARGE',
  // A well-formed BER element that is not a valid LDAPMessage (RFC 4511 section 4).
  'ERR_LDAP_PROTOCOL',
  // The users file or the options passed to startTrialDirectory() are invalid.
  'ERR_CONFIG_INVALID',
  'ERR_CONFIG_FILE',
  // Listening failed (port in use, permission).
  'ERR_LISTEN',
] as const;

export type TrialDirectoryErrorCode = (typeof TRIAL_DIRECTORY_ERROR_CODES)[number];

export class TrialDirectoryError extends Error {
  readonly code: TrialDirectoryErrorCode;

  constructor(code: TrialDirectoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrialDirectoryError';
    this.code = code;
  }
}

export function berError(message: string): TrialDirectoryError {
  return new TrialDirectoryError('ERR_BER_MALFORMED', message);
}

export function protocolError(message: string): TrialDirectoryError {
  return new TrialDirectoryError('ERR_LDAP_PROTOCOL', message);
}
