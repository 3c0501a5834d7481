/**
 * The agent channel: agent identity (pki/, registration/), the WebSocket gateway (gateway/), the per-tenant
 * dispatcher (dispatch/), routing (routing/) and the CredentialVerifier that ties them together (verifier/).
 */
export { type AgentChannel, type AgentChannelOptions, createAgentChannel } from './channel-plugin.ts';
export * from './dispatch/index.ts';
export * from './gateway/index.ts';
export {
  type AgentIdentityPluginOptions,
  type AgentIdentitySettings,
  agentIdentityPlugin,
  getAgentRegistry,
} from './registration/index.ts';
export * from './routing/index.ts';
export * from './verifier/index.ts';
