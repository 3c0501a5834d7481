/**
 * The one registry of error codes of the protocol package. Codes are stable: they appear in logs, metrics and the
 * `error` frame, so add new ones and never rename.
 */
export const PROTOCOL_ERROR_CODES = {
  // parseFrame
  FRAME_TOO_LARGE: 'the frame is larger than the size limit',
  FRAME_NOT_TEXT: 'the frame is not UTF-8 text',
  FRAME_INVALID_JSON: 'the frame is not valid JSON',
  FRAME_NOT_OBJECT: 'the frame is not a JSON object',
  FRAME_UNKNOWN_TYPE: 'the frame type is unknown',
  FRAME_WRONG_DIRECTION: 'this frame type is not sent in this direction',
  FRAME_INVALID: 'the frame does not match its schema',
  // envelope (openEnvelope)
  ENVELOPE_MALFORMED: 'the envelope is not a well-formed compact JWE of the expected algorithms',
  ENVELOPE_UNKNOWN_KEY: 'the envelope is encrypted to a key this agent does not hold',
  ENVELOPE_DECRYPT_FAILED: 'the envelope could not be decrypted (tampered, or encrypted to another key)',
  ENVELOPE_CLAIMS_INVALID: 'the decrypted envelope content does not match its schema',
  ENVELOPE_EXPIRED: 'the envelope has expired',
  ENVELOPE_NOT_YET_VALID: 'the envelope was issued in the future (clock skew?)',
  ENVELOPE_REPLAYED: 'the envelope was already used',
  ENVELOPE_WRONG_TENANT: 'the envelope is bound to another tenant',
  ENVELOPE_WRONG_AUDIENCE: 'the envelope is bound to another agent',
  ENVELOPE_WRONG_REQUEST: 'the envelope is bound to another request id',
  ENVELOPE_WRONG_PURPOSE: 'the envelope is bound to another operation',
  // sealEnvelope / key import
  ENVELOPE_BAD_KEY: 'the public key is not an X25519 JWK',
  ENVELOPE_BAD_INPUT: 'the envelope binding or secret is invalid',
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

/** Thrown only by the sealing side (programming errors); the parsing side returns results and never throws. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string = PROTOCOL_ERROR_CODES[code]) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export type ProtocolFailure = { ok: false; error: { code: ProtocolErrorCode; message: string } };

export function failure(code: ProtocolErrorCode, detail?: string): ProtocolFailure {
  const message = detail ? `${PROTOCOL_ERROR_CODES[code]}: ${detail}` : PROTOCOL_ERROR_CODES[code];
  return { ok: false, error: { code, message } };
}
