export { CONFIG_DEFAULTS, ENV_VARS, FLAGS } from './defaults.ts';
export { ConfigError, type ConfigIssue } from './errors.ts';
export { type ConfigFlags, type LoadConfigOptions, loadCloudConfig } from './load-config.ts';
export { type CloudConfig, LOG_LEVELS, type LogLevel } from './schema.ts';
