/**
 * Authentication Method Reference values (RFC 8176 section 2) for the `amr` claim: `pwd` for the directory password,
 * `otp` for a TOTP or recovery code, `hwk` for a key bound to one device (a security key or a device-bound passkey),
 * `swk` for a software-held key (a synced passkey), `mfa` when more than one factor was used.
 */
export type AmrValue = 'pwd' | 'otp' | 'hwk' | 'swk' | 'mfa';
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn';

export function amrFor(secondFactor: { method: MfaMethod; deviceBound?: boolean } | null): AmrValue[] {
  if (!secondFactor) return ['pwd'];
  const second: AmrValue = secondFactor.method === 'webauthn' ? (secondFactor.deviceBound ? 'hwk' : 'swk') : 'otp';
  return ['pwd', second, 'mfa'];
}
