/**
 * The OIDC feature as one cloud plugin: every tenant's provider under /t/<tenant>/ and the sign-in pages under
 * /signin/<tenant>/<uid>, sharing one provider registry. Registered in app.ts (featurePlugins).
 *
 * Keys: the provider's cookie keys and the CSRF key are derived from the data key (HKDF-SHA256, RFC 5869) with
 * distinct labels, so every instance sharing the data key agrees on them and nothing new has to be provisioned.
 */
import { hkdfSync } from 'node:crypto';
import type { CloudContext, CloudPlugin } from '../context.ts';
import { type CredentialVerifier, noDirectoryVerifier } from '../credentials/index.ts';
import { createSecretSeal, MfaService } from '../mfa/index.ts';
import { SignInRateLimiter, SmartLockout } from '../protection/index.ts';
import { signInRoutes } from '../sign-in/index.ts';
import { createSignInRecorder, SignInLogStore, type SignInRecorder } from '../sign-in-log/index.ts';
import { loadOrCreateDataKey } from '../tenants/data-key.ts';
import { oidcAdminRoutes } from './admin-routes.ts';
import { startPayloadSweep } from './payload-adapter.ts';
import { createProviderRegistry, type ProviderRegistry } from './provider-registry.ts';
import { providerRoutes } from './provider-routes.ts';

export interface OidcPluginOptions {
  /** How passwords are checked; default: none configured (every attempt is agent_unavailable). */
  readonly verifier?: CredentialVerifier;
  /** Default: protection/'s SignInRateLimiter with its defaults (per address and per tenant). */
  readonly rateLimiter?: SignInRateLimiter;
  /** Default: protection/'s SmartLockout with a memory store (per username). */
  readonly lockout?: SmartLockout;
  /** Second factors; default: the MFA service on the store (data-key sealed secrets). `false` turns MFA off. */
  readonly mfa?: MfaService | false;
  /** The sign-in log; default: records in the store (sign-in-log/). `false` turns it off. */
  readonly recorder?: SignInRecorder | false;
  /** Deadline of one password check; default 20 s, or less to stay 5 s inside the server's request timeout. */
  readonly verifyTimeoutMs?: number;
  /** Expired artefacts are deleted this often; default 10 minutes. */
  readonly sweepIntervalMs?: number;
  /** Called with the registry once built (admin key rotation, tests). */
  readonly onRegistry?: (registry: ProviderRegistry) => void;
}

function deriveKey(dataKey: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `openpta ${label}`, 32));
}

export function oidcPlugin(options: OidcPluginOptions = {}): CloudPlugin {
  return {
    name: 'oidc',
    async register(app, ctx: CloudContext) {
      const dataKey = loadOrCreateDataKey(ctx.config.dataKeyFile);
      const logger = ctx.logger.child({ component: 'oidc' });
      const registry = createProviderRegistry({
        db: ctx.store.db,
        clients: ctx.services.clients,
        users: ctx.services.users,
        cookieKeys: [deriveKey(dataKey, 'oidc cookies v1').toString('base64url')],
        logger,
      });
      options.onRegistry?.(registry);
      const verifier = options.verifier ?? noDirectoryVerifier;
      if (!options.verifier) {
        logger.warn(
          { event: 'no_credential_verifier' },
          'no credential verifier configured: every sign-in will report "directory unreachable" until agents connect',
        );
      }
      await app.register(async (scope) => providerRoutes(scope, { tenants: ctx.services.tenants, registry }));
      await app.register(async (scope) => oidcAdminRoutes(scope, { ctx, registry }));
      await app.register(async (scope) =>
        signInRoutes(scope, {
          db: ctx.store.db,
          tenants: ctx.services.tenants,
          users: ctx.services.users,
          registry,
          verifier,
          csrfKey: deriveKey(dataKey, 'sign-in csrf v1'),
          // WebAuthn RP ID = the public URL's host (security keys registered under it work only there).
          publicUrl: () => ctx.config.publicUrl,
          logger: ctx.logger,
          metricsRegistry: ctx.metrics.registry,
          // Secure defaults: per-address/per-tenant rate limits and per-username smart lockout (protection/).
          // The verifier's deadline stays inside the request timeout, so a slow directory gets the "could not reach"
          // page with a reference instead of a dropped connection (Entra PTA waits about 20 s).
          verifyTimeoutMs:
            options.verifyTimeoutMs ?? Math.max(1000, Math.min(20_000, ctx.config.requestTimeoutMs - 5000)),
          rateLimiter: options.rateLimiter ?? new SignInRateLimiter(),
          lockout: options.lockout ?? new SmartLockout(),
          mfa:
            options.mfa === false
              ? undefined
              : (options.mfa ?? new MfaService({ db: ctx.store.db, seal: createSecretSeal(dataKey) })),
          recorder:
            options.recorder === false
              ? undefined
              : (options.recorder ??
                createSignInRecorder({ store: new SignInLogStore(ctx.store.db), logger: ctx.logger })),
        }),
      );
      const stopSweep = startPayloadSweep(ctx.store.db, options.sweepIntervalMs ?? 600_000, (error) =>
        logger.warn({ err: error }, 'sweeping expired OIDC artefacts failed'),
      );
      app.addHook('onClose', async () => stopSweep());
    },
  };
}
