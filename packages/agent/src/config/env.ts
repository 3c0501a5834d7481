/**
 * Environment overrides: OPENPTA_AGENT_<NAME> replaces one field of the configuration file. One table, so the
 * documentation and the code cannot drift; `openpta agent run` appends its own rows.
 */
export type EnvKind = 'string' | 'int' | 'bool' | 'list' | 'dcList';

export interface EnvOverride {
  readonly env: string;
  readonly path: readonly string[];
  readonly kind: EnvKind;
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { env: 'OPENPTA_AGENT_DC_URLS', path: ['directory', 'dcs'], kind: 'dcList' },
  { env: 'OPENPTA_AGENT_DOMAIN', path: ['directory', 'domain'], kind: 'string' },
  { env: 'OPENPTA_AGENT_SRV_DISCOVERY', path: ['directory', 'discovery', 'srv'], kind: 'bool' },
  { env: 'OPENPTA_AGENT_BASE_DN', path: ['directory', 'baseDn'], kind: 'string' },
  { env: 'OPENPTA_AGENT_TLS_MODE', path: ['directory', 'tls', 'mode'], kind: 'string' },
  { env: 'OPENPTA_AGENT_TLS_CA_FILE', path: ['directory', 'tls', 'caFile'], kind: 'string' },
  { env: 'OPENPTA_AGENT_TLS_PIN_SHA256', path: ['directory', 'tls', 'pinSha256'], kind: 'list' },
  { env: 'OPENPTA_AGENT_LOGIN_ATTRIBUTES', path: ['directory', 'login', 'attributes'], kind: 'list' },
  { env: 'OPENPTA_AGENT_SERVICE_BIND_DN', path: ['directory', 'serviceAccount', 'bindDn'], kind: 'string' },
  { env: 'OPENPTA_AGENT_SERVICE_PASSWORD_FILE', path: ['directory', 'serviceAccount', 'passwordFile'], kind: 'string' },
  { env: 'OPENPTA_AGENT_CONNECT_TIMEOUT_MS', path: ['directory', 'timeouts', 'connectMs'], kind: 'int' },
  { env: 'OPENPTA_AGENT_OPERATION_TIMEOUT_MS', path: ['directory', 'timeouts', 'operationMs'], kind: 'int' },
  { env: 'OPENPTA_AGENT_OVERALL_TIMEOUT_MS', path: ['directory', 'timeouts', 'overallMs'], kind: 'int' },
  { env: 'OPENPTA_AGENT_POOL_USER_SIZE', path: ['directory', 'pool', 'userBindsPerDc'], kind: 'int' },
  { env: 'OPENPTA_AGENT_POOL_SERVICE_SIZE', path: ['directory', 'pool', 'servicePerDc'], kind: 'int' },
  { env: 'OPENPTA_AGENT_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
];

function convert(raw: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'int':
      // Left as a string when not an integer, so zod reports the field with a clear message.
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'bool':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'dcList':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((url) => ({ url }));
    default:
      return raw;
  }
}

/** Returns a copy of `config` with every set OPENPTA_AGENT_* variable applied, and the names that were applied. */
export function applyEnvOverrides(
  config: unknown,
  env: NodeJS.ProcessEnv,
  table: readonly EnvOverride[] = ENV_OVERRIDES,
): { config: Record<string, unknown>; applied: Map<string, string> } {
  const root: Record<string, unknown> =
    config && typeof config === 'object' && !Array.isArray(config)
      ? (structuredClone(config) as Record<string, unknown>)
      : {};
  const applied = new Map<string, string>();
  for (const row of table) {
    const raw = env[row.env];
    if (raw === undefined || raw === '') continue;
    let node = root;
    for (const key of row.path.slice(0, -1)) {
      const next = node[key];
      if (!next || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[row.path.at(-1)!] = convert(raw, row.kind);
    applied.set(row.path.join('.'), row.env);
  }
  return { config: root, applied };
}
