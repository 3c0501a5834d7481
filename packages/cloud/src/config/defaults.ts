/**
 * Every configuration default in one place. Each is the secure choice or a loud development convenience:
 * - listen on loopback only until the operator chooses an address;
 * - without TLS files a development CA is created in the data directory (announced at start-up as such).
 */
export const CONFIG_DEFAULTS = {
  /** Relative paths resolve against the working directory. Holds the SQLite file, dev TLS, data key, admin.json. */
  dataDir: '.data/cloud',
  host: '127.0.0.1',
  port: 8443,
  /** Derived when unset: https://localhost:<port>. */
  publicUrl: undefined,
  /** Derived when unset: sqlite:<dataDir>/openpta.db. */
  databaseUrl: undefined,
  logLevel: 'info',
  /** How long a graceful shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: 10_000,
  /** Per-request bound so a slow client cannot hold a connection forever. */
  requestTimeoutMs: 30_000,
  bodyLimitBytes: 1_048_576,
  /** Sign-in log records older than this are purged, every purgeIntervalSeconds (docs/PROTECTION.md). */
  signInLog: { retentionDays: 30, purgeIntervalSeconds: 3600 },
  /**
   * Smart lockout state: `memory` (per process; restarts forget counters) or `database` (table lockout_state,
   * shared by every node on the same database, digest key derived from the data key).
   */
  lockout: { store: 'memory' },
  /**
   * Reverse proxies whose X-Forwarded-For/-Proto are believed. Empty: trust nobody, the client address is the TCP
   * peer (a forged header from a client is ignored).
   */
  trustedProxies: [],
} as const;

/** Environment variables read by loadCloudConfig, by config field. */
export const ENV_VARS = {
  configFile: 'OPENPTA_CONFIG',
  dataDir: 'OPENPTA_DATA_DIR',
  host: 'OPENPTA_HOST',
  port: 'OPENPTA_PORT',
  publicUrl: 'OPENPTA_PUBLIC_URL',
  databaseUrl: 'OPENPTA_DATABASE_URL',
  'tls.certFile': 'OPENPTA_TLS_CERT_FILE',
  'tls.keyFile': 'OPENPTA_TLS_KEY_FILE',
  'tls.caFile': 'OPENPTA_TLS_CA_FILE',
  dataKeyFile: 'OPENPTA_DATA_KEY_FILE',
  logLevel: 'OPENPTA_LOG_LEVEL',
  shutdownTimeoutMs: 'OPENPTA_SHUTDOWN_TIMEOUT_MS',
  'agents.certificateValidityMs': 'OPENPTA_AGENTS_CERTIFICATE_VALIDITY_MS',
  'agents.renewAtFraction': 'OPENPTA_AGENTS_RENEW_AT_FRACTION',
  'agents.tokenTtlMs': 'OPENPTA_AGENTS_TOKEN_TTL_MS',
  'agents.maxTokenTtlMs': 'OPENPTA_AGENTS_MAX_TOKEN_TTL_MS',
  'agents.activeWindowMs': 'OPENPTA_AGENTS_ACTIVE_WINDOW_MS',
  'signInLog.retentionDays': 'OPENPTA_SIGN_IN_LOG_RETENTION_DAYS',
  'signInLog.purgeIntervalSeconds': 'OPENPTA_SIGN_IN_LOG_PURGE_INTERVAL_SECONDS',
  'lockout.store': 'OPENPTA_LOCKOUT_STORE',
  trustedProxies: 'OPENPTA_TRUSTED_PROXIES',
} as const;

/** The command-line flag for each field, used in error messages. */
export const FLAGS = {
  configFile: '--config',
  dataDir: '--data-dir',
  host: '--host',
  port: '--port',
  publicUrl: '--public-url',
  databaseUrl: '--database-url',
  'tls.certFile': '--tls-cert',
  'tls.keyFile': '--tls-key',
  'tls.caFile': '--tls-ca',
  dataKeyFile: '--data-key-file',
  logLevel: '--log-level',
  shutdownTimeoutMs: '--shutdown-timeout-ms',
} as const;
