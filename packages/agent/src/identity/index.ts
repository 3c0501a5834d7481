export { checkCredentials } from './check-credentials.ts';
export { certificatePin, checkCloudCaFile, cloudTlsOptions, fetchPinnedCloudCa } from './cloud-trust.ts';
export { cloudEndpoint, connectUrl, parseCloudUrl } from './cloud-url.ts';
export { AgentIdentityError, IDENTITY_ERRORS, type IdentityErrorCode } from './errors.ts';
export { type IdentityState, identityStateSchema } from './identity-state.ts';
export { type AgentIdentity, loadAgentIdentity } from './load-agent-identity.ts';
export { type RegisterAgentOptions, registerAgent } from './register-agent.ts';
export { PREVIOUS_KEY_GRACE_MS, type RenewAgentOptions, renewAgent } from './renew-agent.ts';
export {
  type RenewalLogger,
  type RenewalSchedule,
  type RenewalScheduleOptions,
  scheduleRenewal,
} from './renewal-schedule.ts';
export { STATE_FILES, statePath } from './state-files.ts';
