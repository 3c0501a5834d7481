import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAdminToken } from '../../admin/admin-auth.ts';
import { ADMIN_API_PREFIX } from '../../admin/admin-routes.ts';
import type { CloudContext } from '../../context.ts';
import { notFound } from '../../errors.ts';
import type { AgentRegistry } from './agent-registry.ts';
import type { AgentView } from './agent-view.ts';
import type { RegistrationTokenView } from './registration-token-admin.ts';

const nameParamsSchema = z.object({ name: z.string().min(1).max(200) });
const idParamsSchema = z.object({ id: z.string().min(1).max(64) });
const createTokenBodySchema = z
  .object({
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict()
  .default({});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The JSON shape of an agent in the admin API (times ISO 8601). */
export function agentJson(agent: AgentView, tenantName: string) {
  return {
    id: agent.id,
    tenant: tenantName,
    name: agent.name,
    hostname: agent.hostname,
    version: agent.version,
    status: agent.status,
    connected: agent.connected,
    lastSeenAt: iso(agent.lastSeenAt),
    remoteAddress: agent.remoteAddress,
    certificateExpiresAt: iso(agent.certificateNotAfter),
    certificateSerial: agent.certificateSerial,
    encryptionKid: agent.encryptionKid,
    inFlight: agent.inFlight,
    served: agent.served,
    failed: agent.failed,
    createdAt: iso(agent.createdAt),
    renewedAt: iso(agent.renewedAt),
    revokedAt: iso(agent.revokedAt),
  };
}

/** The JSON shape of a registration token in the admin API (never its secret). */
export function registrationTokenJson(token: RegistrationTokenView, tenantName: string) {
  return {
    tokenId: token.tokenId,
    tenant: tenantName,
    status: token.status,
    createdBy: token.createdBy,
    createdAt: iso(token.createdAt),
    expiresAt: iso(token.expiresAt),
    usedAt: iso(token.usedAt),
    usedByAgentId: token.usedByAgentId,
    revokedAt: iso(token.revokedAt),
    revokedBy: token.revokedBy,
  };
}

/**
 * Admin API for agents, under the platform's /admin/api/v1 prefix and the same bearer token:
 * - POST /tenants/:name/agent-tokens {ttlSeconds?} -> 201 { token, tokenId, tenant, expiresAt, caFingerprint }
 * - GET  /tenants/:name/agent-tokens -> { tokens: [...] } (status unused | used | expired | revoked; no secrets)
 * - POST /agent-tokens/:id/revoke -> token (status "revoked"); 409 when it was already used
 * - GET  /tenants/:name/agents -> { agents: [...] }
 * - GET  /agents/:id -> agent
 * - POST /agents/:id/revoke -> agent (status "revoked"); the agent is disconnected at once.
 */
export async function adminAgentRoutes(
  app: FastifyInstance,
  ctx: CloudContext,
  registry: AgentRegistry,
): Promise<void> {
  const db = ctx.store.db;
  const { tenants } = ctx.services;

  // Same check as the platform's admin routes (admin-routes.ts): this scope is encapsulated, so it has its own hook.
  const adminToken = requireAdminToken(db);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith(`${ADMIN_API_PREFIX}/`)) await adminToken(request, reply);
  });

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/agent-tokens`, async (request, reply) => {
    const { name } = nameParamsSchema.parse(request.params);
    const body = createTokenBodySchema.parse(request.body ?? {});
    const tenant = await tenants.requireByName(name);
    const created = await registry.createRegistrationToken({
      tenantId: tenant.id,
      ttlMs: body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000,
      actor: request.adminActor ?? 'unknown',
    });
    return reply.code(201).send({
      token: created.token,
      tokenId: created.tokenId,
      tenant: tenant.name,
      tenantId: tenant.id,
      expiresAt: new Date(created.expiresAt).toISOString(),
      caFingerprint: `sha256:${created.caFingerprint}`,
    });
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/agent-tokens`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    const tenant = await tenants.requireByName(name);
    const tokens = await registry.listRegistrationTokens(tenant.id);
    return { tokens: tokens.map((t) => registrationTokenJson(t, tenant.name)) };
  });

  app.post(`${ADMIN_API_PREFIX}/agent-tokens/:id/revoke`, async (request) => {
    const { id } = idParamsSchema.parse(request.params);
    const token = await registry.revokeRegistrationToken(id, request.adminActor ?? 'unknown');
    const tenant = await tenants.getById(token.tenantId);
    return registrationTokenJson(token, tenant?.name ?? token.tenantId);
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/agents`, async (request) => {
    const { name } = nameParamsSchema.parse(request.params);
    const tenant = await tenants.requireByName(name);
    return { agents: (await registry.list(tenant.id)).map((a) => agentJson(a, tenant.name)) };
  });

  app.get(`${ADMIN_API_PREFIX}/agents/:id`, async (request) => {
    const { id } = idParamsSchema.parse(request.params);
    const agent = await registry.get(id);
    if (!agent) throw notFound(`agent ${id}`);
    const tenant = await tenants.getById(agent.tenantId);
    return agentJson(agent, tenant?.name ?? agent.tenantId);
  });

  app.post(`${ADMIN_API_PREFIX}/agents/:id/revoke`, async (request) => {
    const { id } = idParamsSchema.parse(request.params);
    const agent = await registry.revoke(id, request.adminActor ?? 'unknown');
    const tenant = await tenants.getById(agent.tenantId);
    return agentJson(agent, tenant?.name ?? agent.tenantId);
  });
}
