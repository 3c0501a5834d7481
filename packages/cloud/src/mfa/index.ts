export { type AmrValue, amrFor, type MfaMethod } from './amr.ts';
export { decideMfa, type MfaDecision } from './decision.ts';
export { MfaService, type MfaStatus, type SecondFactorCheck, type UserRef } from './mfa-service.ts';
export { mfaRequired } from './policy.ts';
export {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes.ts';
export { type MfaResetResult, resetUserMfa } from './reset.ts';
export { type SecondFactorInput, type SecondFactorOutcome, verifySecondFactor } from './second-factor.ts';
export { createSecretSeal, type SealOwner, type SecretSeal, secretSealFromDataKeyFile } from './secret-seal.ts';
export {
  checkTotpCode,
  createTotpEnrolment,
  TOTP_PARAMETERS,
  type TotpCheck,
  type TotpEnrolment,
  totpCodeAt,
} from './totp.ts';
export {
  type RelyingParty,
  type StoredWebAuthnCredential,
  verifyWebAuthnAssertion,
  verifyWebAuthnRegistration,
  type WebAuthnAssertionCheck,
  webAuthnAuthenticationOptions,
  webAuthnRegistrationOptions,
} from './webauthn.ts';
