import type { MfaPolicy } from '../protection/settings.ts';
import type { MfaMethod } from './amr.ts';
import type { MfaService, UserRef } from './mfa-service.ts';
import { mfaRequired } from './policy.ts';

export type MfaDecision =
  /** Finish the sign-in with amr ['pwd']. */
  | { kind: 'none' }
  /** Ask for one of these factors (recovery codes only as a fallback next to a real factor). */
  | { kind: 'verify'; methods: MfaMethod[] }
  /** The policy requires MFA and the user has no factor yet: enrol (TOTP or a security key) before finishing. */
  | { kind: 'enrol' };

/**
 * What follows an accepted password. A user who enrolled a factor is asked for it even when the policy does not
 * require MFA (they chose the stronger sign-in); a user the policy covers without any factor must enrol.
 */
export async function decideMfa(
  mfa: MfaService,
  user: UserRef,
  policy: MfaPolicy,
  groups: readonly string[] | undefined,
): Promise<MfaDecision> {
  const status = await mfa.status(user);
  const methods: MfaMethod[] = [];
  if (status.totp === 'confirmed') methods.push('totp');
  if (status.webauthn.length > 0) methods.push('webauthn');
  if (methods.length > 0 && status.recoveryCodesLeft > 0) methods.push('recovery_code');
  if (methods.length > 0) return { kind: 'verify', methods };
  return mfaRequired(policy, groups) ? { kind: 'enrol' } : { kind: 'none' };
}
