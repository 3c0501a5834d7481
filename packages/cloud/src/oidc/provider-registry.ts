/**
 * One oidc-provider instance per tenant issuer, built on first use and cached. A cached provider is re-checked every
 * `refreshMs`: if the tenant's signing key set changed (a rotation by this or another cloud instance) or the tenant
 * was updated, the next request gets a fresh provider. Providers hold no sockets or timers, so dropping one is free.
 */
import type { Kysely } from 'kysely';
import Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import type { Tenant } from '../tenants/index.ts';
import { buildProviderConfiguration, MAX_SIGNED_TTL_SECONDS, type TenantProviderDeps } from './provider-config.ts';
import { ensureSigningKeys, loadSigningJwks, type RotationResult, rotateSigningKeyInStore } from './signing-keys.ts';

export interface ProviderRegistryOptions extends TenantProviderDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly refreshMs?: number;
  readonly now?: () => number;
}

export interface ProviderRegistry {
  /** The tenant's provider (its issuer is tenant.issuer). */
  get(tenant: Tenant): Promise<Provider>;
  /** Drops the cached provider; the next request builds a new one. */
  invalidate(tenantId: string): void;
  /**
   * Rotates the tenant's signing key (see signing-keys.ts) and drops the cached provider so the new active key signs
   * from the next request on. The new key has been in the JWKS since the previous rotation.
   */
  rotateSigningKey(tenant: Tenant): Promise<RotationResult>;
}

interface Entry {
  readonly provider: Promise<Provider>;
  readonly fingerprint: string;
  readonly updatedAt: number;
  checkedAt: number;
}

function fingerprintOf(jwks: { keys: { kid: string; key_ops?: readonly string[] }[] }): string {
  return jwks.keys.map((k) => `${k.kid}:${k.key_ops ? 'v' : 's'}`).join(',');
}

export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 60_000;
  const cache = new Map<string, Entry>();
  const building = new Map<string, Promise<Entry>>();

  async function build(tenant: Tenant, jwks: Awaited<ReturnType<typeof loadSigningJwks>>): Promise<Provider> {
    const provider = new Provider(tenant.issuer, buildProviderConfiguration(tenant, jwks, options));
    // Off even behind trusted reverse proxies: Koa's `proxy` believes X-Forwarded-Host/-Proto/-For from ANY peer (it
    // has no list of trusted addresses), so a client could forge them. Nothing needs them: the issuer and every URL
    // the provider builds come from tenant.issuer (config publicUrl), this server only speaks TLS (ctx.secure is true
    // from the socket), and the client address used for protection is fastify's request.ip (config trustedProxies).
    provider.proxy = false;
    const log = options.logger.child({ tenant: tenant.name });
    provider.on('server_error', (_ctx, error) => log.error({ err: error }, 'oidc provider server error'));
    provider.on('grant.error', (_ctx, error) => log.info({ error: error.message }, 'oidc token request refused'));
    return provider;
  }

  async function load(tenant: Tenant): Promise<Entry> {
    await ensureSigningKeys(options.db, tenant.id, now());
    const jwks = await loadSigningJwks(options.db, tenant.id, now());
    const provider = build(tenant, jwks);
    return { provider, fingerprint: fingerprintOf(jwks), updatedAt: tenant.updatedAt, checkedAt: now() };
  }

  async function get(tenant: Tenant): Promise<Provider> {
    const entry = cache.get(tenant.id);
    if (entry && entry.updatedAt === tenant.updatedAt) {
      if (now() - entry.checkedAt < refreshMs) return entry.provider;
      const jwks = await loadSigningJwks(options.db, tenant.id, now());
      if (fingerprintOf(jwks) === entry.fingerprint) {
        entry.checkedAt = now();
        return entry.provider;
      }
    }
    // Concurrent first requests for a tenant share one build (one key-set read, one provider).
    let pending = building.get(tenant.id);
    if (!pending) {
      pending = load(tenant).finally(() => building.delete(tenant.id));
      building.set(tenant.id, pending);
    }
    const fresh = await pending;
    cache.set(tenant.id, fresh);
    return fresh.provider;
  }

  return {
    get,
    invalidate: (tenantId) => {
      cache.delete(tenantId);
    },
    async rotateSigningKey(tenant) {
      const result = await rotateSigningKeyInStore(options.db, tenant.id, {
        maxTokenTtlSeconds: MAX_SIGNED_TTL_SECONDS,
        now,
      });
      cache.delete(tenant.id);
      options.logger.info(
        { tenant: tenant.name, activeKid: result.activeKid, nextKid: result.nextKid, retiredKid: result.retiredKid },
        'signing key rotated',
      );
      return result;
    },
  };
}
