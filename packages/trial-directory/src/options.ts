/**
 * Options of startTrialDirectory(), every default in one place (like node-oidc-provider's defaults.js).
 * Validated with zod at the boundary so a wrong option fails at start with a clear message.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PasswordPolicy } from './directory/policy.ts';
import { DEFAULT_PASSWORD_POLICY } from './directory/policy.ts';
import type { UsersFileInput } from './directory/users-schema.ts';

export interface TrialDirectoryOptions {
  /** The directory content, in the users-file shape. Exactly one of `users` and `usersFile`. */
  readonly users?: UsersFileInput;
  /** Path of a JSON or YAML users file (see demo-users.yaml). */
  readonly usersFile?: string;
  /** Listen address. Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Plain LDAP port with StartTLS; 0 (default) picks a free port. */
  readonly port?: number;
  /** LDAPS port; 0 (default) picks a free port. */
  readonly ldapsPort?: number;
  /** A certificate and key (PEM), or the host name for a generated throwaway CA + certificate (the default). */
  readonly tls?:
    | { readonly cert: string; readonly key: string; readonly caPem?: string }
    | { readonly hostname?: string };
  /** Default DC=corp,DC=example,DC=test, the test bed's domain. */
  readonly baseDn?: string;
  /** NetBIOS domain for DOMAIN\user binds. Default: the first DC label, upper-cased (CORP). */
  readonly domain?: string;
  /** pino logger; default: a pino logger named trial-directory on stdout. */
  readonly logger?: Logger;
  /** Accept simple binds with a password without TLS. Default false: strongerAuthRequired, like AD. */
  readonly allowPlainBind?: boolean;
  /**
   * A bind with a name and an empty password: 'reject' (default) answers 49/52e as Samba 4.17 does; 'anonymous'
   * succeeds as anonymous as Windows DCs do (RFC 4513 5.1.2). Either way the agent must never send one.
   */
  readonly unauthenticatedBind?: 'reject' | 'anonymous';
  /**
   * The root DSE's constructed `tokenGroups` (the bound session's SIDs), given when asked for by name as AD does.
   * Default true; false simulates a directory without it (the agent's verified attribute cache is then unused).
   */
  readonly rootDseTokenGroups?: boolean;
  /** Wrong passwords (binds or password changes) before an account locks (775). Default 0: never. */
  readonly lockoutThreshold?: number;
  readonly passwordPolicy?: Partial<PasswordPolicy>;
  /** Largest accepted PDU; larger ones close the connection. Default 256 KiB. */
  readonly maxMessageBytes?: number;
  /** Idle connections are closed after this long. Default 900 s, AD's MaxConnIdleTime. */
  readonly idleTimeoutMs?: number;
  /** Default 512. */
  readonly maxConnections?: number;
}

const port = z.int().min(0).max(65_535);

export const optionsSchema = z.strictObject({
  users: z.unknown().optional(),
  usersFile: z.string().min(1).optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(0),
  ldapsPort: port.default(0),
  tls: z
    .union([
      z.strictObject({ cert: z.string().min(1), key: z.string().min(1), caPem: z.string().min(1).optional() }),
      z.strictObject({ hostname: z.string().min(1).optional() }),
    ])
    .default({}),
  baseDn: z
    .string()
    .regex(/^DC=[^,=]+(,\s*DC=[^,=]+)*$/i, 'must be DC= components only, e.g. DC=corp,DC=example,DC=test')
    .default('DC=corp,DC=example,DC=test'),
  domain: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,15}$/, 'must be a NetBIOS domain name (1-15 letters, digits, hyphens)')
    .optional(),
  logger: z
    .custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).warn === 'function')
    .optional(),
  allowPlainBind: z.boolean().default(false),
  unauthenticatedBind: z.enum(['reject', 'anonymous']).default('reject'),
  rootDseTokenGroups: z.boolean().default(true),
  lockoutThreshold: z.int().min(0).max(1000).default(0),
  passwordPolicy: z
    .strictObject({
      minLength: z.int().min(0).max(256).optional(),
      complexity: z.boolean().optional(),
      historyLength: z.int().min(0).max(24).optional(),
    })
    .default({}),
  maxMessageBytes: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(256 * 1024),
  idleTimeoutMs: z.int().min(1).default(900_000),
  maxConnections: z.int().min(1).default(512),
});

export type ResolvedOptions = z.output<typeof optionsSchema>;

export function resolvePasswordPolicy(partial: ResolvedOptions['passwordPolicy']): PasswordPolicy {
  return {
    minLength: partial.minLength ?? DEFAULT_PASSWORD_POLICY.minLength,
    complexity: partial.complexity ?? DEFAULT_PASSWORD_POLICY.complexity,
    historyLength: partial.historyLength ?? DEFAULT_PASSWORD_POLICY.historyLength,
  };
}
