/**
 * A real cloud for OIDC and sign-in tests: HTTPS on loopback with the dev CA, SQLite in a temp data dir, one tenant
 * and clients, a credential verifier of the test's choice, and every log line captured (to search for passwords).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadCloudConfig } from '../../src/config/index.ts';
import type { CredentialVerifier } from '../../src/credentials/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { OidcPluginOptions, ProviderRegistry } from '../../src/oidc/index.ts';
import { type RunningCloud, startCloud } from '../../src/start.ts';
import type { Tenant } from '../../src/tenants/index.ts';

export const RP_ORIGIN = 'https://rp.example.test';
export const REDIRECT_URI = `${RP_ORIGIN}/callback`;
export const POST_LOGOUT_URI = `${RP_ORIGIN}/signed-out`;

export interface Harness {
  readonly cloud: RunningCloud;
  readonly dir: string;
  readonly baseUrl: string;
  readonly tenant: Tenant;
  readonly registry: ProviderRegistry;
  readonly caPem: string;
  readonly logs: string[];
  /** fetch that trusts the dev CA (never follows redirects unless asked). */
  readonly fetch: typeof undiciFetch;
  readonly dispatcher: Agent;
  createClient(options?: {
    public?: boolean;
    settings?: Record<string, unknown>;
    redirectUris?: string[];
  }): Promise<{ clientId: string; clientSecret: string | undefined }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly verifier: CredentialVerifier;
  readonly domains?: string[];
  /** The tenant's settings JSON (e.g. { protection: { lockout: { threshold: 3 } } }). */
  readonly tenantSettings?: Record<string, unknown>;
  readonly oidc?: Omit<OidcPluginOptions, 'verifier' | 'onRegistry'>;
  /** Default 'info'. */
  readonly logLevel?: 'trace' | 'debug' | 'info';
  /** Config trustedProxies, given as OPENPTA_TRUSTED_PROXIES (default: none trusted). */
  readonly trustedProxies?: string[];
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-oidc-'));
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const env = options.trustedProxies ? { OPENPTA_TRUSTED_PROXIES: options.trustedProxies.join(',') } : {};
  const config = loadCloudConfig({ flags: { dataDir: dir, host: '127.0.0.1', port: 0 }, env });
  let registry: ProviderRegistry | undefined;
  const cloud = await startCloud(config, {
    logger: createLogger(options.logLevel ?? 'info', destination),
    credentialVerifier: options.verifier,
    announce: () => {},
    oidc: {
      ...options.oidc,
      onRegistry: (r) => {
        registry = r;
      },
    } as OidcPluginOptions,
  });
  const baseUrl = cloud.ctx.config.publicUrl;
  const caPem = readFileSync(cloud.ctx.tls.caFile!, 'utf8');
  const dispatcher = new Agent({ connect: { ca: caPem } });
  const tenant = await cloud.ctx.services.tenants.create({
    name: 'acme',
    displayName: 'Acme <Corp> & Sons',
    domains: options.domains ?? ['corp.example.test'],
    settings: options.tenantSettings,
  });
  const fetchWithCa = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
    undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch;
  return {
    cloud,
    dir,
    baseUrl,
    tenant,
    registry: registry!,
    caPem,
    logs,
    fetch: fetchWithCa,
    dispatcher,
    async createClient(o = {}) {
      const { client, clientSecret } = await cloud.ctx.services.clients.create({
        tenantId: tenant.id,
        name: 'Test RP',
        redirectUris: o.redirectUris ?? [REDIRECT_URI],
        public: o.public ?? false,
        settings: { postLogoutRedirectUris: [POST_LOGOUT_URI], ...o.settings },
      });
      return { clientId: client.clientId, clientSecret };
    },
    async close() {
      await cloud.close();
      await dispatcher.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
