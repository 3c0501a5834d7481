/**
 * Admin API for OIDC keys, beside the platform's admin API and behind the same bearer token:
 *   POST /admin/api/v1/tenants/:name/signing-keys/rotate  -> { activeKid, nextKid, retiredKid }
 *   GET  /admin/api/v1/tenants/:name/signing-keys         -> the published key ids and their states
 * Every rotation writes an audit event.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ADMIN_API_PREFIX, recordAudit, requireAdminToken } from '../admin/index.ts';
import type { CloudContext } from '../context.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import { loadSigningJwks } from './signing-keys.ts';

const paramsSchema = z.object({ name: z.string().min(1).max(200) });

export async function oidcAdminRoutes(
  app: FastifyInstance,
  options: { ctx: CloudContext; registry: ProviderRegistry },
): Promise<void> {
  const { ctx, registry } = options;
  const db = ctx.store.db;

  app.addHook('onRequest', requireAdminToken(db));

  app.post(`${ADMIN_API_PREFIX}/tenants/:name/signing-keys/rotate`, async (request) => {
    const { name } = paramsSchema.parse(request.params);
    const tenant = await ctx.services.tenants.requireByName(name);
    const result = await registry.rotateSigningKey(tenant);
    await recordAudit(db, {
      actor: request.adminActor ?? 'unknown',
      action: 'tenant.signing_key.rotate',
      target: `tenant:${name}`,
      details: { ...result },
    });
    return result;
  });

  app.get(`${ADMIN_API_PREFIX}/tenants/:name/signing-keys`, async (request) => {
    const { name } = paramsSchema.parse(request.params);
    const tenant = await ctx.services.tenants.requireByName(name);
    const { keys } = await loadSigningJwks(db, tenant.id);
    return { keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, signs: k.key_ops === undefined })) };
  });
}
