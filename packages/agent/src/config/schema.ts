/**
 * The agent's configuration file (YAML or JSON), validated with zod. Unknown keys are errors (a typo must not
 * silently fall back to a default). The top level has one section per concern: `directory` (this package's
 * validator) and `log`; `openpta agent run` extends it with its cloud section via `agentConfigSchema.extend(...)`.
 */
import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';

const ldapUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'ldap:' || url.protocol === 'ldaps:') &&
      url.hostname !== '' &&
      url.pathname in { '': 1, '/': 1 }
    );
  } catch {
    return false;
  }
}, 'must be an LDAP URL such as ldaps://dc1.corp.example.test:636');

/** An LDAP attribute description (RFC 4512 1.4 descr): letters, digits, hyphens. Never user input. */
const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

const sha256Pin = z
  .string()
  .transform((value) => value.replace(/[:\s]/g, '').toUpperCase())
  .refine((value) => /^[0-9A-F]{64}$/.test(value), 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)');

export const dcSchema = z.strictObject({
  url: ldapUrl,
  /** Name checked against the DC certificate when the URL holds an IP address or another alias. */
  serverName: z.string().min(1).optional(),
});

export const loginSchema = z.strictObject({
  /** Attributes a username may match. Exactly [userPrincipalName] binds directly; anything else searches first. */
  attributes: z
    .array(attributeName)
    .min(1)
    .default([...DEFAULTS.loginAttributes]),
  /** When not empty, UPNs must end in one of these suffixes. */
  upnSuffixes: z.array(z.string().min(1)).default([]),
  /** NetBIOS domain names accepted in DOMAIN\user form; empty disables that form. */
  downLevelDomains: z.array(z.string().min(1).max(15)).default([]),
  /** Accept white space inside a username (some alternate login ids contain it). */
  allowSpaces: z.boolean().default(false),
});

export const tlsSchema = z.strictObject({
  /** ldaps (port 636), starttls (port 389 upgraded), or insecure-plain (no encryption; logs a warning). */
  mode: z.enum(['ldaps', 'starttls', 'insecure-plain']).default('ldaps'),
  /** PEM file with the CA(s) that issued the DC certificates; without it the system CA store is used. */
  caFile: z.string().min(1).optional(),
  /** Optional pins: SHA-256 fingerprints of DC certificates (checked in addition to the CA chain). */
  pinSha256: z.array(sha256Pin).default([]),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default(DEFAULTS.tlsMinVersion),
});

export const serviceAccountSchema = z.strictObject({
  /** UPN, DOMAIN\name or DN of an ordinary account (no special rights needed). */
  bindDn: z.string().min(1),
  /** File holding the password (trailing newline ignored). */
  passwordFile: z.string().min(1).optional(),
  /** Environment variable holding the password. */
  passwordEnv: z.string().min(1).default(DEFAULTS.servicePasswordEnv),
});

export const timeoutsSchema = z.strictObject({
  connectMs: z.int().min(50).max(60000).default(DEFAULTS.connectTimeoutMs),
  operationMs: z.int().min(50).max(120000).default(DEFAULTS.operationTimeoutMs),
  overallMs: z.int().min(100).max(300000).default(DEFAULTS.overallTimeoutMs),
});

export const poolSchema = z.strictObject({
  userBindsPerDc: z.int().min(1).max(256).default(DEFAULTS.userPoolSize),
  servicePerDc: z.int().min(1).max(64).default(DEFAULTS.servicePoolSize),
  idleTimeoutMs: z.int().min(1000).default(DEFAULTS.idleTimeoutMs),
  healthCheckIntervalMs: z.int().min(100).default(DEFAULTS.healthCheckIntervalMs),
});

export const attributesSchema = z.strictObject({
  /** DirectoryAttributes fields (packages/protocol) to send on ok; objectGuid is always sent. */
  include: z
    .array(z.enum(['upn', 'sam', 'displayName', 'givenName', 'sn', 'mail', 'dn']))
    .default([...DEFAULTS.attributes]),
  /** nested: memberOf + cached group graph; nested-in-chain: one LDAP_MATCHING_RULE_IN_CHAIN search per sign-in. */
  groups: z.enum(['nested', 'nested-in-chain', 'direct', 'none']).default(DEFAULTS.groups),
  /** How long the group graph (group -> name, parent groups) is cached for 'nested' and 'direct'. */
  groupCacheMs: z.int().min(0).default(DEFAULTS.groupCacheMs),
  /** Look the user up in parallel with the bind (hides the search latency; costs a search on failed attempts too). */
  prefetch: z.boolean().default(true),
  /** Verified attribute cache lifetime (0 = off): a repeat sign-in skips the lookup; profile attributes up to this old. */
  cacheMs: z.int().min(0).max(3600000).default(DEFAULTS.attributeCacheMs),
  /** Use the verified cache when at least this many validations are in flight (1: always). */
  cacheFromConcurrency: z.int().min(1).max(1000).default(DEFAULTS.attributeCacheFromConcurrency),
  /** Change tracking poll (0 = off: every cached sign-in reads the bound token). Needs the service account. */
  changePollMs: z.int().min(0).max(60000).default(DEFAULTS.attributeChangePollMs),
  groupNameAttribute: attributeName.default(DEFAULTS.groupNameAttribute),
});

export const directorySchema = z
  .strictObject({
    /** DNS domain: DCs are discovered by SRV `_ldap._tcp.dc._msdcs.<domain>` when `discovery.srv` is on. */
    domain: z.string().min(1).optional(),
    /** DCs in order of preference. Tried before SRV-discovered ones. */
    dcs: z.array(dcSchema).default([]),
    discovery: z
      .strictObject({
        srv: z.boolean().default(false),
        /** DNS servers for SRV lookups (ip or ip:port); default: the system resolver. */
        servers: z.array(z.string().min(1)).default([]),
        refreshMs: z.int().min(1000).default(DEFAULTS.srvRefreshMs),
      })
      .prefault({}),
    tls: tlsSchema.prefault({}),
    /** Search base for users and groups, e.g. DC=corp,DC=example,DC=test. */
    baseDn: z.string().min(1),
    login: loginSchema.prefault({}),
    serviceAccount: serviceAccountSchema.optional(),
    attributes: attributesSchema.prefault({}),
    timeouts: timeoutsSchema.prefault({}),
    pool: poolSchema.prefault({}),
    dcDownMs: z.int().min(0).default(DEFAULTS.dcDownMs),
  })
  .superRefine((d, ctx) => {
    if (d.dcs.length === 0 && !(d.discovery.srv && d.domain)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dcs'],
        message: 'list at least one DC, or set domain and discovery.srv: true',
      });
    }
    if (d.discovery.srv && !d.domain) {
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'required when discovery.srv is true' });
    }
    const wantScheme = d.tls.mode === 'ldaps' ? 'ldaps:' : 'ldap:';
    d.dcs.forEach((dc, i) => {
      if (new URL(dc.url).protocol !== wantScheme) {
        ctx.addIssue({
          code: 'custom',
          path: ['dcs', i, 'url'],
          message: `tls.mode ${d.tls.mode} needs a ${wantScheme}// URL`,
        });
      }
    });
    const searchesLogin = !(d.login.attributes.length === 1 && d.login.attributes[0] === 'userPrincipalName');
    if (searchesLogin && !d.serviceAccount) {
      ctx.addIssue({
        code: 'custom',
        path: ['serviceAccount'],
        message: 'required when login.attributes is not just userPrincipalName (the login id is searched for)',
      });
    }
    if (d.tls.mode === 'insecure-plain' && d.tls.pinSha256.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'pinSha256'], message: 'pins need TLS (mode ldaps or starttls)' });
    }
  });

export const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(DEFAULTS.logLevel),
});

/** The whole agent configuration file. Extend (do not copy) for `agent run`: `agentConfigSchema.extend({cloud})`. */
export const agentConfigSchema = z.strictObject({
  directory: directorySchema,
  log: logSchema.prefault({}),
});

export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type AgentConfig = z.output<typeof agentConfigSchema>;
export type DirectoryConfig = z.output<typeof directorySchema>;
export type LoginConfig = z.output<typeof loginSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;

/** DirectoryConfig with its secret resolved: what createDirectoryValidator() takes. */
export type ResolvedDirectoryConfig = Omit<DirectoryConfig, 'serviceAccount'> & {
  readonly serviceAccount?: { readonly bindDn: string; readonly password: string };
};
