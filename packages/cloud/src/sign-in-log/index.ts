export {
  MFA_METHODS,
  resultForOutcome,
  SIGN_IN_RESULTS,
  SIGN_IN_STAGES,
  type SignInLogEntryInput,
  type SignInLogRecord,
  type SignInResult,
  signInLogEntrySchema,
} from './record.ts';
export {
  type AttemptFacts,
  createSignInRecorder,
  mfaStepEntry,
  passwordStepEntry,
  type SignInRecorder,
  timingsFrom,
} from './recorder.ts';
export {
  type RetentionJob,
  type SignInLogRetentionConfig,
  signInLogRetentionConfigSchema,
  startSignInLogRetention,
} from './retention.ts';
export { type SignInLogPage, type SignInLogQuery, SignInLogStore, signInLogQuerySchema } from './sign-in-log-store.ts';
