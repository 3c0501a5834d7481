export { DEFAULTS } from './defaults.ts';
export { applyEnvOverrides, ENV_OVERRIDES, type EnvOverride } from './env.ts';
export { formatIssues, type LoadOptions, loadAgentConfig, parseAgentConfig, resolveDirectoryConfig } from './load.ts';
export {
  type AgentConfig,
  type AgentConfigInput,
  agentConfigSchema,
  type DirectoryConfig,
  directorySchema,
  type LoginConfig,
  type ResolvedDirectoryConfig,
  type TlsConfig,
} from './schema.ts';
