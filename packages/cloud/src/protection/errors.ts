/**
 * Typed errors of the sign-in protection, MFA and sign-in log modules, with stable codes. `expose` says whether the
 * message may be shown to a browser or API client (never for internal faults).
 */
export const PROTECTION_ERROR_CODES = {
  ERR_PROTECTION_SETTINGS_INVALID: 400,
  ERR_DURATION_INVALID: 400,
  ERR_MFA_KEY_INVALID: 500,
  ERR_MFA_SECRET_UNREADABLE: 500,
  ERR_MFA_NOT_ENROLLED: 400,
  ERR_MFA_ALREADY_ENROLLED: 409,
  ERR_MFA_ENROLMENT_NOT_FOUND: 404,
  ERR_WEBAUTHN_VERIFICATION_FAILED: 400,
  ERR_WEBAUTHN_CREDENTIAL_UNKNOWN: 400,
  ERR_SIGN_IN_LOG_RECORD_INVALID: 400,
  ERR_SIGN_IN_LOG_QUERY_INVALID: 400,
  ERR_SIGN_IN_LOG_CURSOR_INVALID: 400,
} as const;

export type ProtectionErrorCode = keyof typeof PROTECTION_ERROR_CODES;

export class ProtectionError extends Error {
  override readonly name = 'ProtectionError';
  readonly code: ProtectionErrorCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: ProtectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = PROTECTION_ERROR_CODES[code];
    this.expose = this.status < 500;
  }
}
