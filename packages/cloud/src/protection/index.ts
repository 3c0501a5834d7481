export { type ProtectionPluginDeps, parseSince, protectionAdminPlugin, protectionView } from './admin-api.ts';
export { formatDurationSeconds, parseDurationSeconds } from './duration.ts';
export { PROTECTION_ERROR_CODES, ProtectionError, type ProtectionErrorCode } from './errors.ts';
export { createLockoutMetrics, type LockoutMetrics } from './lockout-metrics.ts';
export { type LockoutStore, MemoryLockoutStore } from './lockout-store.ts';
export {
  DEFAULT_LOCKOUT,
  formatMfaPolicy,
  type LockoutSettings,
  lockoutSettingsSchema,
  type MfaPolicy,
  mergeProtectionSettings,
  mfaPolicySchema,
  type ProtectionSettings,
  type ProtectionSettingsInput,
  parseMfaPolicyFlag,
  parseProtectionSettings,
  protectionSettingsFromTenant,
  protectionSettingsSchema,
} from './settings.ts';
export {
  clientKey,
  type RateLimitDecision,
  type SignInRateLimitConfig,
  SignInRateLimiter,
  signInRateLimitConfigSchema,
  signInRateLimitHook,
} from './sign-in-rate-limit.ts';
export {
  type AttemptResult,
  type CounterName,
  type LockedDecision,
  type LockoutStatus,
  type LockoutSubject,
  MfaAttempt,
  normalizeUsername,
  PasswordAttempt,
  SmartLockout,
  type SmartLockoutOptions,
} from './smart-lockout.ts';
export { sourceNetwork } from './source-network.ts';
export { lockoutDigestKey, SqlLockoutStore } from './sql-lockout-store.ts';
