import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { OidcClient } from '../tenants/client-service.ts';
import { clientSettingsInputSchema, readClientSettings } from '../tenants/client-settings.ts';
import { createTenantInputSchema, type Tenant } from '../tenants/tenant-service.ts';
import { domainSchema, redirectUriSchema } from '../tenants/validation.ts';
import { requireAdminToken } from './admin-auth.ts';
import { listAuditEvents, recordAudit } from './audit.ts';

export const ADMIN_API_PREFIX = '/admin/api/v1';

const createClientBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    redirectUris: z.array(redirectUriSchema).min(1, 'a client needs at least one redirect URI').max(50),
    public: z.boolean().default(false),
    /** tokenEndpointAuthMethod, jwks, postLogoutRedirectUris, firstParty (tenants/client-settings.ts). */
    settings: clientSettingsInputSchema.optional(),
  })
  .strict()
  .refine((body) => !(body.public && body.settings?.tokenEndpointAuthMethod), {
    path: ['settings', 'tokenEndpointAuthMethod'],
    message: 'a public client authenticates with PKCE only (method none): drop tokenEndpointAuthMethod or public',
  });
const addDomainBodySchema = z.object({ domain: domainSchema }).strict();
const nameParamsSchema = z.object({ name: z.string().min(1).max(200) });
const auditQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const tenantView = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  displayName: t.displayName,
  domains: t.domains,
  issuer: t.issuer,
  settings: t.settings,
  createdAt: new Date(t.createdAt).toISOString(),
});
const clientView = (c: OidcClient, tenantName: string) => {
  const settings = readClientSettings(c.settings);
  return {
    clientId: c.clientId,
    tenant: tenantName,
    name: c.name,
    redirectUris: c.redirectUris,
    public: c.public,
    tokenEndpointAuthMethod: c.public ? 'none' : (settings.tokenEndpointAuthMethod ?? 'client_secret_basic'),
    postLogoutRedirectUris: settings.postLogoutRedirectUris ?? [],
    firstParty: settings.firstParty !== false,
    createdAt: new Date(c.createdAt).toISOString(),
  };
};

/**
 * The admin API: bearer token (RFC 6750) on every route; JSON in and out; every change writes an audit event.
 * Errors follow the global handler: 400 bad input, 401 no/wrong token, 404 unknown, 409 duplicate.
 */
export async function adminRoutes(app: FastifyInstance, ctx: CloudContext): Promise<void> {
  const { tenants, clients, users } = ctx.services;
  const db = ctx.store.db;

  app.addHook('onRequest', requireAdminToken(db));

  const audit = (request: FastifyRequest, action: string, target: string, details?: Record<string, unknown>) =>
    recordAudit(db, { actor: request.adminActor ?? 'unknown', action, target, details });

  app.post(`${ADMIN_API_PREFIX}/tenants`, async (request, reply) => {
    const input = createTenantInputSchema.strict().parse(request.body);
    const tenant = await tenants.create(input);
    await audit(request, 'tenant.create', `tenant:${tenant.name}`, { id: tenant.id, domains: tenant.domains });
    return reply.code(201).send(tenantView(tenant));
  });

  app.get(`${ADMIN_API_PREFIX}/tenants`, async () => ({ tenants: (await tenants.list()).map(tenantView) }));

  app.get(`${ADMIN_API_PREFIX}/tenants/:name`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    return tenantView(await tenants.requireByName(name));
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/domains`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    const { domain } = addDomainBodySchema.parse(request.body);
    const tenant = await tenants.addDomain(name, domain);
    await audit(request, 'tenant.domain.add', `tenant:${name}`, { domain });
    return tenantView(tenant);
  });

  app.delete(`${ADMIN_API_PREFIX}/tenants/:name/domains/:domain`, async (request) => {
    const { name, domain } = z.object({ name: z.string(), domain: z.string() }).parse(request.params);
    const tenant = await tenants.removeDomain(name, domain);
    await audit(request, 'tenant.domain.remove', `tenant:${name}`, { domain });
    return tenantView(tenant);
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/clients`, async (request, reply) => {
    const { name } = nameParamsSchema.parse(request.params);
    const body = createClientBodySchema.parse(request.body);
    const tenant = await tenants.requireByName(name);
    const { client, clientSecret } = await clients.create({ ...body, tenantId: tenant.id });
    // The secret is in the response only, never in the audit event.
    await audit(request, 'client.create', `client:${client.clientId}`, {
      tenant: tenant.name,
      redirectUris: client.redirectUris,
      public: client.public,
      // The settings hold only public data (public keys, URIs, flags).
      settings: body.settings ?? {},
    });
    return reply.code(201).send({ ...clientView(client, tenant.name), clientSecret });
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/clients`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    const tenant = await tenants.requireByName(name);
    return { clients: (await clients.list(tenant.id)).map((c) => clientView(c, tenant.name)) };
  });

  app.get(`${ADMIN_API_PREFIX}/clients`, async () => {
    const names = new Map((await tenants.list()).map((t) => [t.id, t.name]));
    return { clients: (await clients.list()).map((c) => clientView(c, names.get(c.tenantId) ?? c.tenantId)) };
  });

  app.delete(`${ADMIN_API_PREFIX}/clients/:clientId`, async (request, reply) => {
    const { clientId } = z.object({ clientId: z.string().min(1).max(200) }).parse(request.params);
    const client = await clients.get(clientId);
    if (!client) throw notFound(`client ${clientId}`);
    await clients.delete(clientId);
    await audit(request, 'client.delete', `client:${clientId}`, { tenantId: client.tenantId });
    return reply.code(204).send();
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/users`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    const tenant = await tenants.requireByName(name);
    const list = await users.list(tenant.id);
    return {
      users: list.map((u) => ({
        id: u.id,
        tenant: tenant.name,
        objectGuid: u.objectGuid,
        upn: u.upn,
        displayName: u.attributes.displayName,
        mail: u.attributes.mail,
        createdAt: new Date(u.createdAt).toISOString(),
        lastSignInAt: new Date(u.lastSignInAt).toISOString(),
      })),
    };
  });

  app.get(`${ADMIN_API_PREFIX}/audit-events`, async (request) => {
    const { limit } = auditQuerySchema.parse(request.query);
    const events = await listAuditEvents(db, limit);
    return { events: events.map((e) => ({ ...e, time: new Date(e.time).toISOString() })) };
  });
}
