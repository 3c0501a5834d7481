import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { adminRoutes } from './admin/admin-routes.ts';
import { ensureAdminToken } from './admin/admin-token.ts';
import type { CloudConfig } from './config/schema.ts';
import type { CloudContext, CloudPlugin } from './context.ts';
import type { CredentialVerifier } from './credentials/index.ts';
import { installErrorHandling } from './error-handler.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { type CloudMetrics, createMetrics } from './observability/metrics.ts';
import { installRequestMetrics, observabilityRoutes } from './observability/routes.ts';
import { type OidcPluginOptions, oidcPlugin } from './oidc/index.ts';
import { protectionAdminPlugin } from './protection/admin-api.ts';
import { SmartLockout } from './protection/smart-lockout.ts';
import { lockoutDigestKey, SqlLockoutStore } from './protection/sql-lockout-store.ts';
import { migrateToLatest } from './store/migrate.ts';
import { openDatabase, type Store } from './store/open-database.ts';
import { createClientService } from './tenants/client-service.ts';
import { loadOrCreateDataKey } from './tenants/data-key.ts';
import { createSecretBox } from './tenants/secret-box.ts';
import { createTenantService } from './tenants/tenant-service.ts';
import { createUserService } from './tenants/user-service.ts';
import { loadServerTls } from './tls/load-tls.ts';

export interface CloudDeps {
  /** Extra feature plugins, registered after the built-in ones (tests, `serve` wiring a verifier). */
  plugins?: CloudPlugin[];
  logger?: Logger;
  /** An already-open store (tests); otherwise config.databaseUrl is opened and closed by the app. */
  store?: Store;
  /** How sign-in checks passwords (the agent channel's verifier in `serve`; in-process for tests and demo). */
  credentialVerifier?: CredentialVerifier;
  /** OIDC/sign-in options beyond the verifier (rate limiter, lockout, sweep interval). */
  oidc?: Omit<OidcPluginOptions, 'verifier'>;
}

export interface CloudApp {
  app: FastifyInstance;
  ctx: CloudContext;
  store: Store;
  metrics: CloudMetrics;
  logger: Logger;
  /** The admin token when this start created it (first start): show it once. */
  createdAdminToken: string | undefined;
  /** Graceful: stops accepting, lets in-flight requests finish (up to shutdownTimeoutMs), closes the DB. Idempotent. */
  close(): Promise<void>;
}

/**
 * Feature plugins, in registration order. Each runs in its own encapsulated scope with the CloudContext.
 * Feature owners: add yours here with a one-line edit (e.g. `oidcPlugin(deps)`, `signInPlugin(deps)`,
 * `agentChannelPlugin(deps)`).
 */
function featurePlugins(deps: CloudDeps, config: CloudConfig, store: Store): CloudPlugin[] {
  // One smart lockout shared by sign-in (counts failures) and the protection admin API (unlock). Config
  // `lockout.store: database` keeps it in the store (shared by nodes; the digest key comes from the data key).
  const sqlLockoutStore =
    deps.oidc?.lockout === undefined && config.lockout.store === 'database'
      ? new SqlLockoutStore({ db: store.db, dialect: store.dialect })
      : undefined;
  const lockout =
    deps.oidc?.lockout ??
    (sqlLockoutStore
      ? new SmartLockout({
          store: sqlLockoutStore,
          digestKey: lockoutDigestKey(loadOrCreateDataKey(config.dataKeyFile)),
        })
      : new SmartLockout());
  return [
    { name: 'admin', register: adminRoutes },
    protectionAdminPlugin({ lockout, signInLogRetention: config.signInLog, sqlLockoutStore }),
    // --- feature plugins: oidc, sign-in, agent-channel register here ---
    oidcPlugin({ ...deps.oidc, lockout, verifier: deps.credentialVerifier }),
    ...(deps.plugins ?? []),
  ];
}

/** Request ids: a caller's X-Request-Id is kept when it is short and safe to log, otherwise a new UUID. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(header) ? header : randomUUID();
}

/** Builds the HTTPS app (not listening yet): store migrated, TLS loaded, platform routes and feature plugins. */
export async function buildCloudApp(input: CloudConfig, deps: CloudDeps = {}): Promise<CloudApp> {
  // Our own copy: startCloud replaces an ephemeral port in publicUrl once it is bound.
  const config: CloudConfig = { ...input, tls: { ...input.tls } };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = deps.logger ?? createLogger(config.logLevel);
  const store = deps.store ?? openDatabase(config.databaseUrl);
  const ownsStore = deps.store === undefined;
  // Set once Fastify exists, so a failing plugin registration still runs the onClose hooks registered so far.
  let built: FastifyInstance | undefined;
  try {
    await migrateToLatest(store);
    const tls = await loadServerTls(config);
    const secretBox = createSecretBox(loadOrCreateDataKey(config.dataKeyFile));
    const createdAdminToken = await ensureAdminToken(store.db);
    const metrics = createMetrics();
    let shuttingDown = false;

    // Typed as the default (http) instance: plugins need not care that the server is HTTPS.
    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      // Agents authenticate with client certificates on the same port (renewal, gateway): request one, never require
      // it (browsers have none), and check it in code: agent-channel/registration authenticateAgentCertificate.
      https: { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false },
      genReqId: (req) => requestId(req.headers['x-request-id']),
      logController: new LogController({ requestIdLogLabel: 'requestId' }),
      bodyLimit: config.bodyLimitBytes,
      requestTimeout: config.requestTimeoutMs,
      connectionTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 5000,
      // Idle keep-alive sockets close at shutdown; in-flight requests finish (fastify 5 default, made explicit).
      forceCloseConnections: 'idle',
      return503OnClosing: true,
      // request.ip / request.protocol come from X-Forwarded-For / X-Forwarded-Proto only when the TCP peer is one of
      // the configured reverse proxies (proxy-addr walks the chain right to left and stops at the first untrusted hop).
      // Default (none): the TCP peer, so a client cannot pick its own address for rate limits, lockout or the log.
      trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    }) as unknown as FastifyInstance;
    built = app;
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    installErrorHandling(app);
    installRequestMetrics(app, metrics);
    await app.register(helmet, {
      // Strict defaults; pages that need more (sign-in forms posting to a client) set their own per route.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
        },
      },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
      referrerPolicy: { policy: 'no-referrer' },
    });

    const ctx: CloudContext = {
      config,
      store,
      logger,
      metrics,
      secretBox,
      tls,
      services: {
        tenants: createTenantService({ db: store.db, publicUrl: () => config.publicUrl }),
        clients: createClientService({ db: store.db, secretBox }),
        users: createUserService({ db: store.db }),
      },
      isShuttingDown: () => shuttingDown,
    };

    await app.register(async (scope) =>
      observabilityRoutes(scope, { store, metrics, isShuttingDown: ctx.isShuttingDown }),
    );
    for (const plugin of featurePlugins(deps, config, store)) {
      await app.register(async (scope) => plugin.register(scope, ctx));
    }

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        shuttingDown = true;
        // After the grace period, cut connections still busy so close() always ends.
        const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
          if (ownsStore) await store.close();
        }
      })();
      return closing;
    };
    return { app, ctx, store, metrics, logger, createdAdminToken, close };
  } catch (error) {
    await built?.close().catch(() => undefined);
    if (ownsStore) await store.close();
    throw error;
  }
}
