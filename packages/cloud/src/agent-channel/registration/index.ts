export { adminAgentRoutes, agentJson } from './admin-agent-routes.ts';
export type { AgentRenewedEvent, AgentRevokedEvent } from './agent-events.ts';
export { AgentEvents } from './agent-events.ts';
export {
  type AgentIdentityPluginOptions,
  agentIdentityPlugin,
  getAgentRegistry,
  serverTrustAnchorPem,
} from './agent-identity-plugin.ts';
export {
  type AgentActivityUpdate,
  type AgentAuthenticationResult,
  type AgentCredentials,
  type AgentRegistry,
  type AgentRegistryOptions,
  type AgentSocketAuthenticationResult,
  type AuthenticatedAgent,
  type CreatedRegistrationToken,
  createAgentRegistry,
  type RegisterInput,
  type RenewInput,
} from './agent-registry.ts';
export { type AgentStatus, type AgentView, agentStatus } from './agent-view.ts';
export { AGENT_IDENTITY_DEFAULTS, type AgentIdentitySettings } from './defaults.ts';
export { registrationRoutes } from './registration-routes.ts';
export { hashTokenSecret, parseRegistrationToken } from './registration-token.ts';
