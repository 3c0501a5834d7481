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
  /** Attribute cache: off. Turning it on trades attribute freshness for one bind per sign-in (attribute-cache.ts). */
  attributeCacheMs: 0,
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
