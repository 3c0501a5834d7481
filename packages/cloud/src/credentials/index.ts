export type {
  ChangePasswordRequest,
  ChangePasswordResult,
  CredentialVerifier,
  VerifyPasswordRequest,
  VerifyPasswordResult,
} from './credential-verifier.ts';
export { createInProcessVerifier, type InProcessVerifierOptions, noDirectoryVerifier } from './in-process-verifier.ts';
