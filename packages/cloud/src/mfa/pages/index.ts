export { type MfaChallengePageInput, mfaChallengePage } from './mfa-challenge-page.ts';
export { type RecoveryCodesPageInput, recoveryCodesPage } from './recovery-codes-page.ts';
export { type TotpEnrolPageInput, totpEnrolPage } from './totp-enrol-page.ts';
