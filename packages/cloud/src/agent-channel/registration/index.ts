export { adminAgentRoutes, agentJson } from './admin-agent-routes.ts';
export type { AgentRenewedEvent, AgentRevokedEvent } from './agent-events.ts';
export { AgentEvents } from './agent-events.ts';
export {
  type AgentIdentityPluginOptions,
  agentIdentityPlugin,
  getAgentRegistry,
  serverTrustAnchorPem,
} from './agent-identity-plugin.ts';
export { type AgentRegistry, createAgentRegistry } from './agent-registry.ts';
export { type AgentStatus, type AgentView, agentStatus, CONNECTED_MARK_TRUSTED_MS } from './agent-view.ts';
export { AGENT_IDENTITY_DEFAULTS, type AgentIdentitySettings } from './defaults.ts';
export { registrationRoutes } from './registration-routes.ts';
export { hashTokenSecret, parseRegistrationToken } from './registration-token.ts';
export type { RegistrationTokenStatus, RegistrationTokenView } from './registration-token-admin.ts';
export type {
  AgentActivityUpdate,
  AgentAuthenticationResult,
  AgentCredentials,
  AgentRegistryOptions,
  AgentSocketAuthenticationResult,
  AuthenticatedAgent,
  CreatedRegistrationToken,
  RegisterInput,
  RenewInput,
} from './registry-types.ts';
