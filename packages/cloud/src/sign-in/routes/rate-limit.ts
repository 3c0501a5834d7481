import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { passwordStepEntry } from '../../sign-in-log/index.ts';
import { MAX_FIELD_LENGTH } from '../form-input.ts';
import { recordAttempt } from '../password-attempt.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';
import { sendTooMany } from './send-page.ts';
import { attemptContext, record, stepFacts } from './sign-in-record.ts';

/**
 * Per address/tenant budget: true when the request was refused (the 429 page is sent). `username` (when known) is
 * only for the sign-in log record of the refusal.
 */
export async function rateLimited(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
  username: unknown,
): Promise<boolean> {
  const { rateLimiter } = deps.options;
  if (!rateLimiter) return false;
  const decision = await rateLimiter.consume({ tenantId: loaded.tenant.id, ip: request.ip });
  if (decision.allowed) return false;
  const known = typeof username === 'string' && username.length > 0 && username.length <= MAX_FIELD_LENGTH * 4;
  const ctx = attemptContext(request, loaded, known ? username : '', performance.now());
  recordAttempt(deps.attempt, ctx, 'rate_limited', { scope: decision.scope });
  if (known)
    await record(
      deps,
      passwordStepEntry(stepFacts(request, loaded, ctx.username, ctx.correlationId), { refused: 'rate_limited' }),
    );
  sendTooMany(reply, loaded.tenant, decision.retryAfterSeconds);
  return true;
}
