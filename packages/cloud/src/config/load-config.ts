import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_DEFAULTS, ENV_VARS, FLAGS } from './defaults.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { type CloudConfig, cloudConfigInputSchema } from './schema.ts';

/** Settings given on the command line (undefined = not given). Nested TLS paths are flat here, as flags are. */
export interface ConfigFlags {
  configFile?: string | undefined;
  dataDir?: string | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  publicUrl?: string | undefined;
  databaseUrl?: string | undefined;
  tlsCertFile?: string | undefined;
  tlsKeyFile?: string | undefined;
  tlsCaFile?: string | undefined;
  dataKeyFile?: string | undefined;
  logLevel?: string | undefined;
  shutdownTimeoutMs?: string | number | undefined;
}

export interface LoadConfigOptions {
  flags?: ConfigFlags;
  env?: Record<string, string | undefined>;
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
}

type Block = 'tls' | 'agents' | 'signInLog' | 'lockout';
type Raw = Record<string, unknown> & { [B in Block]?: Record<string, unknown> };

/** Nested blocks merged field by field across layers. */
const BLOCKS: readonly Block[] = ['tls', 'agents', 'signInLog', 'lockout'];

/**
 * Resolves the configuration: flags > environment (OPENPTA_*) > config file (YAML or JSON, from --config or
 * OPENPTA_CONFIG) > defaults (config/defaults.ts). Throws ConfigError naming each bad field and how to set it.
 */
export function loadCloudConfig({
  flags = {},
  env = process.env,
  cwd = process.cwd(),
}: LoadConfigOptions = {}): CloudConfig {
  const configFile = flags.configFile ?? env[ENV_VARS.configFile];
  const fromFile = configFile ? readConfigFile(resolve(cwd, configFile)) : {};
  const fromEnv: Raw = {
    dataDir: env[ENV_VARS.dataDir],
    host: env[ENV_VARS.host],
    port: env[ENV_VARS.port],
    publicUrl: env[ENV_VARS.publicUrl],
    databaseUrl: env[ENV_VARS.databaseUrl],
    dataKeyFile: env[ENV_VARS.dataKeyFile],
    logLevel: env[ENV_VARS.logLevel],
    shutdownTimeoutMs: env[ENV_VARS.shutdownTimeoutMs],
    tls: {
      certFile: env[ENV_VARS['tls.certFile']],
      keyFile: env[ENV_VARS['tls.keyFile']],
      caFile: env[ENV_VARS['tls.caFile']],
    },
    agents: {
      certificateValidityMs: env[ENV_VARS['agents.certificateValidityMs']],
      renewAtFraction: env[ENV_VARS['agents.renewAtFraction']],
      tokenTtlMs: env[ENV_VARS['agents.tokenTtlMs']],
      maxTokenTtlMs: env[ENV_VARS['agents.maxTokenTtlMs']],
      activeWindowMs: env[ENV_VARS['agents.activeWindowMs']],
    },
    signInLog: {
      retentionDays: env[ENV_VARS['signInLog.retentionDays']],
      purgeIntervalSeconds: env[ENV_VARS['signInLog.purgeIntervalSeconds']],
    },
    lockout: { store: env[ENV_VARS['lockout.store']] },
    trustedProxies: env[ENV_VARS.trustedProxies],
  };
  const fromFlags: Raw = {
    dataDir: flags.dataDir,
    host: flags.host,
    port: flags.port,
    publicUrl: flags.publicUrl,
    databaseUrl: flags.databaseUrl,
    dataKeyFile: flags.dataKeyFile,
    logLevel: flags.logLevel,
    shutdownTimeoutMs: flags.shutdownTimeoutMs,
    tls: { certFile: flags.tlsCertFile, keyFile: flags.tlsKeyFile, caFile: flags.tlsCaFile },
  };
  const merged = mergeLayers([
    {
      ...CONFIG_DEFAULTS,
      trustedProxies: [],
      tls: {},
      agents: {},
      signInLog: { ...CONFIG_DEFAULTS.signInLog },
      lockout: { ...CONFIG_DEFAULTS.lockout },
    },
    fromFile,
    fromEnv,
    fromFlags,
  ]);

  const parsed = cloudConfigInputSchema.safeParse(merged);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          field: [...issue.path, key].join('.'),
          message: 'unknown setting: check its spelling against docs/CLOUD.md',
        }));
      }
      const field = issue.path.join('.');
      return [{ field, message: `${issue.message}${whereToSet(field, configFile)}` }];
    });
    throw new ConfigError(issues, configFile ? `config file ${configFile}` : undefined);
  }
  const input = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const dataDir = abs(input.dataDir);
  return {
    dataDir,
    host: input.host,
    port: input.port,
    publicUrl: input.publicUrl ?? `https://localhost:${input.port}`,
    databaseUrl: input.databaseUrl ?? `sqlite:${join(dataDir, 'openpta.db')}`,
    tls: {
      certFile: input.tls.certFile && abs(input.tls.certFile),
      keyFile: input.tls.keyFile && abs(input.tls.keyFile),
      caFile: input.tls.caFile && abs(input.tls.caFile),
    },
    dataKeyFile: abs(input.dataKeyFile ?? join(dataDir, 'data.key')),
    logLevel: input.logLevel,
    shutdownTimeoutMs: input.shutdownTimeoutMs,
    requestTimeoutMs: input.requestTimeoutMs,
    bodyLimitBytes: input.bodyLimitBytes,
    agents: Object.fromEntries(Object.entries(input.agents).filter(([, v]) => v !== undefined)),
    signInLog: input.signInLog,
    lockout: input.lockout,
    trustedProxies: input.trustedProxies,
  };
}

function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError([
      {
        field: 'configFile',
        message: `cannot read ${path}: ${reason}; fix ${FLAGS.configFile} or ${ENV_VARS.configFile}`,
      },
    ]);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError([
      { field: 'configFile', message: `${path} is not valid YAML/JSON: ${(error as Error).message}` },
    ]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ field: 'configFile', message: `${path} must hold a mapping of settings` }]);
  }
  return value as Raw;
}

/** Later layers win; undefined means "not set here". The nested blocks (BLOCKS) merge field by field. */
function mergeLayers(layers: Raw[]): Raw {
  const out: Raw = { tls: {}, agents: {}, signInLog: {}, lockout: {} };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const block = BLOCKS.find((b) => b === key);
      if (block !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) if (v !== undefined) out[block]![k] = v;
      } else {
        out[key] = value;
      }
    }
  }
  return out;
}

function whereToSet(field: string, configFile: string | undefined): string {
  const flag = FLAGS[field as keyof typeof FLAGS];
  const envVar = ENV_VARS[field as keyof typeof ENV_VARS];
  const places = [flag, envVar, `"${field}" in the config file${configFile ? ` ${configFile}` : ''}`].filter(Boolean);
  return ` (set ${places.join(' or ')})`;
}
