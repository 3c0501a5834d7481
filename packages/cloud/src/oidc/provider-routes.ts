/**
 * Serves every tenant's provider under `/t/<tenant>/...` (the issuer path, tenants/issuer.ts). Fastify does not
 * parse these requests: an onRequest hook hands the raw request to the tenant's provider (a Koa app) before any
 * body parsing, which is what @fastify/middie would do, without mounting one middleware per tenant.
 *
 * oidc-provider derives its mount path from req.originalUrl minus req.url (first occurrence: a tenant named like a
 * route, "auth", would confuse it), else from req.baseUrl (Express' convention): originalUrl is cleared and baseUrl
 * set to the tenant's exact issuer path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { SIGN_IN_CSP } from '../sign-in/security-headers.ts';
import type { TenantService } from '../tenants/index.ts';
import { TENANT_PATH_PREFIX } from '../tenants/index.ts';
import type { ProviderRegistry } from './provider-registry.ts';

export interface ProviderRoutesOptions {
  readonly tenants: Pick<TenantService, 'getByName'>;
  readonly registry: ProviderRegistry;
}

const TENANT_SEGMENT = /^\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\/.*)?$/;

export async function providerRoutes(app: FastifyInstance, options: ProviderRoutesOptions): Promise<void> {
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const handlerFor = (provider: Provider) => {
    let handler = handlers.get(provider);
    if (!handler) {
      handler = provider.callback();
      handlers.set(provider, handler);
    }
    return handler;
  };
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw;
    const url = raw.url ?? '/';
    const rest = url.slice(TENANT_PATH_PREFIX.length);
    const [pathPart = '', query] = splitQuery(rest);
    const match = TENANT_SEGMENT.exec(pathPart);
    const tenant = match ? await options.tenants.getByName(match[1]!) : undefined;
    if (!match || !tenant) {
      return reply.code(404).type('application/json').send({ error: 'not_found', message: 'unknown tenant' });
    }
    const provider = await options.registry.get(tenant);
    reply.hijack();
    // The provider's own pages (logout, errors) get the sign-in pages' policy: no script, no framing, and no
    // form-action (the logout confirmation redirects to the relying party after its form post).
    reply.raw.setHeader('content-security-policy', SIGN_IN_CSP);
    raw.url = `${match[2] ?? '/'}${query === undefined ? '' : `?${query}`}`;
    Object.assign(raw, { originalUrl: undefined, baseUrl: `${TENANT_PATH_PREFIX}/${tenant.name}` });
    await new Promise<void>((resolve) => {
      reply.raw.once('close', resolve);
      reply.raw.once('finish', resolve);
      void handlerFor(provider)(raw, reply.raw);
    });
  });
  // Routes only exist so the hook above runs for these paths; the hook always answers first.
  const never = async () => undefined;
  app.all(`${TENANT_PATH_PREFIX}/:tenant`, never);
  app.all(`${TENANT_PATH_PREFIX}/:tenant/*`, never);
}

function splitQuery(url: string): [string, string | undefined] {
  const i = url.indexOf('?');
  return i === -1 ? [url, undefined] : [url.slice(0, i), url.slice(i + 1)];
}
