import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { LockoutSettings } from '../protection/settings.ts';
import type { SmartLockout } from '../protection/smart-lockout.ts';
import { type AmrValue, amrFor, type MfaMethod } from './amr.ts';
import type { MfaService } from './mfa-service.ts';
import { type RelyingParty, verifyWebAuthnAssertion } from './webauthn.ts';

export type SecondFactorInput =
  | { method: 'totp'; code: string }
  | { method: 'recovery_code'; code: string }
  | {
      method: 'webauthn';
      response: AuthenticationResponseJSON;
      /** The challenge of the options this interaction sent (kept server side; single use). */
      expectedChallenge: string;
      rp: RelyingParty;
    };

export type SecondFactorOutcome =
  | { ok: true; method: MfaMethod; amr: AmrValue[] }
  /** Refused without checking (locked now), or this failure locked the MFA counter. */
  | { ok: false; method: MfaMethod; locked: true; retryAfterSeconds: number }
  | { ok: false; method: MfaMethod; locked: false; reason: 'invalid' | 'replayed' | 'malformed' | 'not_enrolled' };

/**
 * The second-factor step of a sign-in, in order: MFA lockout gate -> check the factor -> lockout bookkeeping.
 * Wrong, replayed and unknown factors count on the MFA counter; malformed input and "not enrolled" do not (they cannot
 * be a guess). On success returns the `amr` values for the ID token (RFC 8176).
 */
export async function verifySecondFactor(
  deps: { mfa: MfaService; lockout: SmartLockout },
  input: { tenantId: string; userId: string; username: string; settings: LockoutSettings; factor: SecondFactorInput },
): Promise<SecondFactorOutcome> {
  const method = input.factor.method;
  const gate = await deps.lockout.beginMfa({
    tenantId: input.tenantId,
    username: input.username,
    settings: input.settings,
  });
  if (gate.locked) return { ok: false, method, locked: true, retryAfterSeconds: gate.retryAfterSeconds };
  const user = { tenantId: input.tenantId, userId: input.userId };
  let check:
    | { ok: true; deviceBound?: boolean }
    | { ok: false; reason: 'invalid' | 'replayed' | 'malformed' | 'not_enrolled' };
  try {
    check = await checkFactor(deps.mfa, user, input.factor);
  } catch (error) {
    gate.abandon();
    throw error;
  }
  if (!check.ok && (check.reason === 'malformed' || check.reason === 'not_enrolled')) {
    gate.abandon();
    return { ok: false, method, locked: false, reason: check.reason };
  }
  const after = await gate.finish({ ok: check.ok });
  if (check.ok) return { ok: true, method, amr: amrFor({ method, deviceBound: check.deviceBound ?? false }) };
  if (after.locked) return { ok: false, method, locked: true, retryAfterSeconds: after.retryAfterSeconds };
  return { ok: false, method, locked: false, reason: check.reason };
}

async function checkFactor(
  mfa: MfaService,
  user: { tenantId: string; userId: string },
  factor: SecondFactorInput,
): Promise<
  { ok: true; deviceBound?: boolean } | { ok: false; reason: 'invalid' | 'replayed' | 'malformed' | 'not_enrolled' }
> {
  switch (factor.method) {
    case 'totp':
      return mfa.verifyTotp({ ...user, code: factor.code });
    case 'recovery_code':
      return mfa.useRecoveryCode({ ...user, code: factor.code });
    case 'webauthn': {
      const credentials = await mfa.listWebAuthnCredentials(user);
      if (credentials.length === 0) return { ok: false, reason: 'not_enrolled' };
      const result = await verifyWebAuthnAssertion({
        rp: factor.rp,
        response: factor.response,
        expectedChallenge: factor.expectedChallenge,
        credentials,
      });
      if (!result.ok) return { ok: false, reason: 'invalid' };
      await mfa.recordWebAuthnUse({ ...user, credentialId: result.credentialId, newCounter: result.newCounter });
      return { ok: true, deviceBound: result.deviceBound };
    }
  }
}
