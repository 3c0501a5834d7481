export { type MfaChallengePageInput, mfaChallengePage } from './mfa-challenge-page.ts';
export { type RecoveryCodesPageInput, recoveryCodesPage } from './recovery-codes-page.ts';
export { type SecurityKeyEnrolPageInput, securityKeyEnrolPage } from './security-key-enrol-page.ts';
export { type TotpEnrolPageInput, totpEnrolPage } from './totp-enrol-page.ts';
export { WEBAUTHN_SCRIPT, WEBAUTHN_SCRIPT_PATH } from './webauthn-script.ts';
