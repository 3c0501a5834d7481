/**
 * Every default of the agent's configuration, in one place. Each value is the secure or conservative choice; the
 * reason is next to it. docs/AGENT.md repeats this table for operators.
 */
export const DEFAULTS = {
  /** Only userPrincipalName: the name is bound as typed, no search needed. */
  loginAttributes: ['userPrincipalName'],
  /** DirectoryAttributes fields returned to the cloud on `ok` (objectGuid is always returned: the immutable id). */
  attributes: ['upn', 'sam', 'displayName', 'givenName', 'sn', 'mail'],
  /** Direct and nested groups: the user's memberOf expanded through a cached group graph (see group-graph.ts). */
  groups: 'nested',
  /** Group graph cache lifetime: a change to how groups nest shows within this time (direct membership: at once). */
  groupCacheMs: 300000,
  /**
   * Verified attribute cache (attribute-cache.ts): 10 minutes. A repeat sign-in costs the DC the bind and a token
   * read instead of the user lookup; the account and its security groups are checked against the DC at every
   * sign-in, only profile attributes (name, mail) and non-security group names can be this old. SSSD, the usual AD
   * member client on Linux, caches user entries for 90 minutes by default (entry_cache_timeout 5400).
   */
  attributeCacheMs: 600000,
  /**
   * The cache is used when at least 2 validations are in flight. A sign-in alone costs no time for the lookup (it
   * runs in parallel with the bind) but would wait one more round trip for the token read; under concurrency the
   * DC's CPU is what limits, and the cache spares it the lookup (docs/PERFORMANCE.md, issue 3).
   */
  attributeCacheFromConcurrency: 2,
  /**
   * Change tracking (change-watcher.ts): every 5 s, one root DSE read, and one search when the DC's USN moved. While
   * it is current a cached sign-in costs the DC the bind alone; identity and group changes are then seen within 5 s,
   * well inside AD's own intra-site replication delay (15 s).
   */
  attributeChangePollMs: 5000,
  groupNameAttribute: 'sAMAccountName',
  /** TCP + TLS handshake to one DC. Short: a dead DC must not hold a sign-in; the OS SYN retries take minutes. */
  connectTimeoutMs: 3000,
  /** One LDAP operation (bind, search, modify). */
  operationTimeoutMs: 5000,
  /** A whole validate() or changePassword(), all DCs included. Below the cloud's request timeout. */
  overallTimeoutMs: 10000,
  /** Open connections per DC for user binds (re-bound for each attempt). */
  userPoolSize: 8,
  /** Open connections per DC for the service account (searches, attributes, password change). Every ok sign-in
   * needs one search on it, so it should not be much smaller than the user pool. */
  servicePoolSize: 4,
  /** Close a pooled connection idle this long: well below AD's MaxConnIdleTime (900 s), so the DC never drops it
   * under us. */
  idleTimeoutMs: 120000,
  /** How often idle pooled connections are checked (closed by the DC? idle too long?). */
  healthCheckIntervalMs: 30000,
  /** A DC that failed at the transport level is skipped for this long. */
  dcDownMs: 30000,
  /** How often SRV records are looked up again. */
  srvRefreshMs: 300000,
  tlsMinVersion: 'TLSv1.2',
  /** Where the service account's password is read from when no file is given. */
  servicePasswordEnv: 'OPENPTA_AGENT_SERVICE_PASSWORD',
  logLevel: 'info',
} as const;
