/** What every sign-in route shares: the options it was registered with and the services built from them once. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CredentialVerifier } from '../../credentials/credential-verifier.ts';
import type { MfaService } from '../../mfa/index.ts';
import type { ProviderRegistry } from '../../oidc/provider-registry.ts';
import { type SignInRateLimiter, SmartLockout } from '../../protection/index.ts';
import type { SignInRecorder } from '../../sign-in-log/index.ts';
import type { Database } from '../../store/schema.ts';
import type { TenantService, UserService } from '../../tenants/index.ts';
import { type Csrf, createCsrf } from '../csrf.ts';
import { createInteractionStateStore, type InteractionStateStore } from '../interaction-state.ts';
import { signInLogger } from '../logging.ts';
import { createSignInMetrics } from '../metrics.ts';
import type { AttemptDeps } from '../password-attempt.ts';

export interface SignInRoutesOptions {
  readonly db: Kysely<Database>;
  readonly tenants: Pick<TenantService, 'getByName'>;
  readonly users: Pick<UserService, 'upsertFromDirectory'>;
  readonly registry: ProviderRegistry;
  readonly verifier: CredentialVerifier;
  /** At least 32 bytes; the same on every cloud instance (see docs/SIGN-IN.md). */
  readonly csrfKey: Uint8Array;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  /** Per client address and per tenant (429 + Retry-After). */
  readonly rateLimiter?: SignInRateLimiter;
  /** Per username smart lockout (429 + Retry-After); also the MFA counter. */
  readonly lockout?: SmartLockout;
  /** Second factors (TOTP, recovery codes); without it every accepted password finishes with amr ['pwd']. */
  readonly mfa?: MfaService;
  /** The sign-in log (one record per step); best effort, never fails a sign-in. */
  readonly recorder?: SignInRecorder;
  /** Deadline for one verifier call; default 20 s (keep it below the server's request timeout). */
  readonly verifyTimeoutMs?: number;
  /**
   * The cloud's public URL: its host is the WebAuthn RP ID and its origin the only accepted origin. Without it
   * security keys are not offered (TOTP and recovery codes still are). A function is read at each use (the port of
   * `--port 0` is known only after listen).
   */
  readonly publicUrl?: string | (() => string);
}

export interface RouteDeps {
  readonly options: SignInRoutesOptions;
  readonly csrf: Csrf;
  readonly states: InteractionStateStore;
  readonly log: Logger;
  /** The caller's, or a memory one when MFA is on (the second factor needs a counter). */
  readonly lockout: SmartLockout | undefined;
  /** For password-attempt.ts (checkPassword, changePassword, recordAttempt). */
  readonly attempt: AttemptDeps;
}

export function createRouteDeps(options: SignInRoutesOptions): RouteDeps {
  const log = signInLogger(options.logger);
  const lockout = options.lockout ?? (options.mfa ? new SmartLockout() : undefined);
  return {
    options,
    csrf: createCsrf(options.csrfKey),
    states: createInteractionStateStore(options.db),
    log,
    lockout,
    attempt: {
      verifier: options.verifier,
      lockout,
      metrics: createSignInMetrics(options.metricsRegistry),
      logger: log,
      timeoutMs: options.verifyTimeoutMs ?? 20_000,
    },
  };
}
