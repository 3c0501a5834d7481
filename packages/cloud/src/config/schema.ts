import { isIP } from 'node:net';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const hostSchema = z
  .string()
  .min(1)
  .refine(
    (h) => isIP(h) !== 0 || /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(h),
    'must be an IP address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0',
  );

const publicUrlSchema = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && url.search === '' && url.hash === '' && url.username === '';
    } catch {
      return false;
    }
  }, 'must be an absolute https:// URL without query or fragment, e.g. https://login.example.com')
  // Issuers, sign-in routes, cookie paths and the agent channel are served from the root of the origin: a path prefix
  // would give relying parties issuer URLs that the server does not answer. Refused here rather than half-supported.
  .refine((value) => {
    try {
      return new URL(value).pathname.replace(/\/+$/, '') === '';
    } catch {
      return true; // reported by the check above
    }
  }, 'must be an origin without a path (a path prefix such as /idp is not supported): give openpta its own host name, e.g. https://login.example.com, and have a reverse proxy forward that host unchanged')
  .transform((value) => value.replace(/\/+$/, ''));

const databaseUrlSchema = z
  .string()
  .refine(
    (v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v),
    'must be sqlite:<file path> or postgres://user@host:port/database',
  );

const DAY_MS = 86_400_000;

/**
 * Agent identity settings (agent-channel/registration/defaults.ts holds their defaults). Each is optional here: an
 * unset one keeps the default. Durations in milliseconds, like every duration in this file.
 */
const agentsSchema = z
  .object({
    certificateValidityMs: z.coerce
      .number()
      .int()
      .min(60_000, 'must be at least 60000 (1 minute)')
      .max(398 * DAY_MS, 'must be at most 398 days')
      .optional(),
    renewAtFraction: z.coerce
      .number()
      .min(0.1, 'must be between 0.1 and 0.95')
      .max(0.95, 'must be between 0.1 and 0.95')
      .optional(),
    tokenTtlMs: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(7 * DAY_MS)
      .optional(),
    maxTokenTtlMs: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(7 * DAY_MS)
      .optional(),
    activeWindowMs: z.coerce.number().int().min(10_000).max(3_600_000).optional(),
  })
  .strict()
  .default({});

/** Sign-in log retention (sign-in-log/retention.ts applies it). */
const signInLogSchema = z
  .object({
    retentionDays: z.coerce.number().int().min(1, 'must be 1-3650 days').max(3650, 'must be 1-3650 days'),
    purgeIntervalSeconds: z.coerce.number().int().min(60, 'must be 60-86400').max(86_400, 'must be 60-86400'),
  })
  .strict();

/** Where smart lockout keeps its counters (protection/). */
const lockoutSchema = z
  .object({ store: z.enum(['memory', 'database'], { message: 'must be memory or database' }) })
  .strict();

/**
 * One trusted reverse proxy: an IP address or a CIDR range. A /0 is refused: trusting every peer would let any client
 * choose its own address with a forged X-Forwarded-For (rate limits, lockout and the sign-in log key on it).
 */
function trustedProxyProblem(entry: unknown): string | undefined {
  const example = 'e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8';
  if (typeof entry !== 'string') return `each entry must be a string: an IP address or CIDR range, ${example}`;
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an IP address or CIDR range, ${example}`;
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    return `"${entry}" has an invalid prefix length (0-${max} for IPv${family}), ${example}`;
  }
  if (Number(prefix) === 0) return `"${entry}" would trust every address: list only your reverse proxies, ${example}`;
  return undefined;
}

/**
 * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (fastify trustProxy). A string (environment
 * variable) is a comma-separated list. Empty (the default) trusts nobody: the client is the TCP peer.
 */
const trustedProxiesSchema = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : value,
  z
    .array(z.unknown(), {
      message: 'must be a list of IP addresses or CIDR ranges (comma-separated in the environment)',
    })
    .superRefine((entries, ctx) => {
      for (const entry of entries) {
        const problem = trustedProxyProblem(entry);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }
    })
    .transform((entries) => entries.map((e) => String(e).trim())),
);

/** The validated configuration, before defaults that depend on other fields are derived (see load-config.ts). */
export const cloudConfigInputSchema = z
  .object({
    dataDir: z.string().min(1),
    host: hostSchema,
    port: z.coerce.number().int().min(0, 'must be 0-65535').max(65535, 'must be 0-65535'),
    publicUrl: publicUrlSchema.optional(),
    databaseUrl: databaseUrlSchema.optional(),
    tls: z
      .object({
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    dataKeyFile: z.string().min(1).optional(),
    logLevel: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }),
    shutdownTimeoutMs: z.coerce.number().int().min(0).max(600_000),
    requestTimeoutMs: z.coerce.number().int().min(1000).max(600_000),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024),
    agents: agentsSchema,
    signInLog: signInLogSchema,
    lockout: lockoutSchema,
    trustedProxies: trustedProxiesSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    const { tokenTtlMs, maxTokenTtlMs } = config.agents;
    if (tokenTtlMs !== undefined && maxTokenTtlMs !== undefined && tokenTtlMs > maxTokenTtlMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['agents', 'tokenTtlMs'],
        message: 'must not be longer than agents.maxTokenTtlMs',
      });
    }
    if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', config.tls.certFile === undefined ? 'certFile' : 'keyFile'],
        message: 'set both the TLS certificate and key files, or neither (for a development certificate)',
      });
    }
  });

export type LogLevel = (typeof LOG_LEVELS)[number];

/** The cloud service configuration, fully resolved: every path absolute, every derived default filled in. */
export interface CloudConfig {
  dataDir: string;
  host: string;
  port: number;
  /** Origin (and optional path) users and apps reach the service at; no trailing slash. */
  publicUrl: string;
  databaseUrl: string;
  tls: {
    /** Both set: the operator's certificate. Both unset: a development CA and certificate in dataDir/tls. */
    certFile: string | undefined;
    keyFile: string | undefined;
    /** CA bundle for the operator's certificate chain, written into admin.json for the CLI. */
    caFile: string | undefined;
  };
  /** 32-byte key sealing client secrets at rest; default dataDir/data.key, created on first start (mode 0600). */
  dataKeyFile: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  requestTimeoutMs: number;
  bodyLimitBytes: number;
  /** Agent identity settings that were set (certificate validity, renewal point, token lifetimes, active window). */
  agents: AgentsConfig;
  signInLog: z.infer<typeof signInLogSchema>;
  lockout: z.infer<typeof lockoutSchema>;
  /** Reverse proxies (IPs / CIDR ranges) trusted for X-Forwarded-For/-Proto; empty = the client is the TCP peer. */
  trustedProxies: string[];
}

export type AgentsConfig = z.infer<typeof agentsSchema>;
