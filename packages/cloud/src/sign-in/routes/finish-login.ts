import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { AmrValue } from '../../mfa/index.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';

/**
 * The interaction's only successful end: the lockout forgets the failures, the stage is dropped, and the login
 * result goes back to the provider with a 303 of our own (interactionFinished would write behind Fastify's back).
 */
export async function finishLogin(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
  user: { userId: string; username: string },
  amr: readonly AmrValue[],
) {
  await deps.lockout?.recordSignInSuccess({ tenantId: loaded.tenant.id, username: user.username, ip: request.ip });
  await deps.states.clear(loaded.tenant.id, loaded.details.uid);
  const result: InteractionResults = {
    // remember: false keeps the SSO session for this browser session only (no "keep me signed in" option).
    login: { accountId: user.userId, amr: [...amr], remember: false, ts: Math.floor(Date.now() / 1000) },
  };
  const returnTo = await loaded.provider.interactionResult(request.raw, reply.raw, result, {
    mergeWithLastSubmission: false,
  });
  return reply.redirect(returnTo, 303);
}
