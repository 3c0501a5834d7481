/**
 * The administrator's "check this agent": POST /admin/api/v1/agents/:id/check with { username, password } validates
 * one credential through that agent only, over the channel like a sign-in (sealed envelope, dispatcher, agent, DC),
 * and answers the outcome, the DC and the timings. It proves an agent end to end after installation or a change.
 * Needs the admin bearer token; the password is used once and never logged or stored.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdminToken } from '../../admin/admin-auth.ts';
import type { CloudContext } from '../../context.ts';
import { CloudError } from '../../errors.ts';
import type { AgentRegistry } from '../registration/agent-registry.ts';
import type { ChannelVerifier } from './channel-verifier.ts';

const paramsSchema = z.object({ id: z.string().min(1).max(128) });
const bodySchema = z.strictObject({
  username: z.string().min(1).max(1024),
  password: z.string().max(1024),
});

export async function agentCheckRoute(
  app: FastifyInstance,
  ctx: CloudContext,
  registry: AgentRegistry,
  verifier: ChannelVerifier,
): Promise<void> {
  app.addHook('onRequest', requireAdminToken(ctx.store.db));
  app.post('/admin/api/v1/agents/:id/check', async (request) => {
    const params = paramsSchema.safeParse(request.params);
    const body = bodySchema.safeParse(request.body ?? {});
    if (!params.success || !body.success) {
      throw new CloudError('invalid_request', 'send JSON { "username": "<upn>", "password": "<password>" }');
    }
    const agent = await registry.get(params.data.id);
    if (agent === undefined) throw new CloudError('not_found', `agent ${params.data.id} not found`);
    const started = performance.now();
    const result = await verifier.verifyPasswordVia(agent.id, {
      tenantId: agent.tenantId,
      username: body.data.username,
      password: body.data.password,
      correlationId: request.id,
    });
    return {
      agentId: agent.id,
      tenantId: agent.tenantId,
      outcome: result.outcome,
      ...(result.dc === undefined ? {} : { dc: result.dc }),
      ms: Math.round(performance.now() - started),
      ...(result.timings === undefined ? {} : { timings: result.timings }),
    };
  });
}
