import { Secret, TOTP } from 'otpauth';
import qrcode from 'qrcode';

/**
 * TOTP (RFC 6238) with the parameters every authenticator app supports: HMAC-SHA1, 6 digits, 30-second steps, and a
 * 160-bit secret (the length RFC 4226 section 4 recommends). A code is accepted in the current step and one step
 * either side (RFC 6238 section 6 allows a small window for clock skew), and a step is accepted at most once per
 * user (section 5.2: "the verifier MUST NOT accept the second attempt of the OTP after the successful validation").
 */
export const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 } as const;

export interface TotpEnrolment {
  /** The shared secret as base32 text, for manual entry in an app. Show it once; store only the sealed bytes. */
  secretBase32: string;
  secret: Uint8Array;
  /** The otpauth:// URI (Google Authenticator key-URI format) the QR code encodes. */
  uri: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
  /** The QR code as a data: URL (PNG), for an <img src>. */
  qrDataUrl: string;
}

/** Creates a new secret and what the enrolment page shows for it. */
export async function createTotpEnrolment(options: { issuer: string; accountName: string }): Promise<TotpEnrolment> {
  const secret = new Secret({ size: 20 });
  const totp = totpFor(secret.bytes, options);
  const uri = totp.toString();
  return {
    secretBase32: secret.base32,
    secret: secret.bytes,
    uri,
    qrSvg: await qrcode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    qrDataUrl: await qrcode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2 }),
  };
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'invalid' | 'replayed' | 'malformed' };

/**
 * Checks a code against the secret at `now` (epoch ms). `lastUsedStep` is the time step of this user's last accepted
 * code: a code from that step or an earlier one is refused as a replay. On success the caller must store the
 * returned `step` atomically (only if it is still greater than the stored one) before treating the code as good.
 */
export function checkTotpCode(input: {
  secret: Uint8Array;
  code: string;
  now: number;
  lastUsedStep: number | null;
}): TotpCheck {
  const code = input.code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'malformed' };
  const totp = totpFor(input.secret, { issuer: 'openpta', accountName: 'user' });
  // otpauth compares every candidate in the window and returns the offset of the match, or null.
  const delta = totp.validate({ token: code, timestamp: input.now, window: TOTP_PARAMETERS.window });
  if (delta === null) return { ok: false, reason: 'invalid' };
  const step = totp.counter({ timestamp: input.now }) + delta;
  if (input.lastUsedStep !== null && step <= input.lastUsedStep) return { ok: false, reason: 'replayed' };
  return { ok: true, step };
}

/** The code an authenticator app would show at `now` (for tests and diagnostics). */
export function totpCodeAt(secret: Uint8Array, now: number): string {
  return totpFor(secret, { issuer: 'openpta', accountName: 'user' }).generate({ timestamp: now });
}

function totpFor(secret: Uint8Array, options: { issuer: string; accountName: string }): TOTP {
  return new TOTP({
    issuer: options.issuer,
    label: options.accountName,
    algorithm: TOTP_PARAMETERS.algorithm,
    digits: TOTP_PARAMETERS.digits,
    period: TOTP_PARAMETERS.period,
    // Copy into a fresh Uint8Array: a Buffer's .buffer may be Node's shared pool, not just these bytes.
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });
}
