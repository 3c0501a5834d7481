export {
  type AgentRunConfig,
  type AgentRunConfigInput,
  agentRunConfigSchema,
  cloudSectionSchema,
  healthSectionSchema,
  loadAgentRunConfig,
} from './config.ts';
export { type HealthServer, startHealthServer } from './health-server.ts';
export { loadRunIdentity } from './load-identity.ts';
export { createRequestHandler, type RequestHandlerOptions } from './request-handler.ts';
export { type AgentRunIdentity, type AgentRuntime, type StartAgentOptions, startAgentRuntime } from './runtime.ts';
