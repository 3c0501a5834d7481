/** POST .../abort: Cancel or Deny; the interaction ends with access_denied (RFC 6749 4.1.2.1) for the client. */
import type { FastifyReply } from 'fastify';
import type { RouteDeps } from './deps.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';

export const postAbort = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const loaded = await loadForm(deps, request, reply);
  await deps.states.clear(loaded.tenant.id, loaded.details.uid);
  const returnTo = await loaded.provider.interactionResult(
    request.raw,
    reply.raw,
    { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
    { mergeWithLastSubmission: false },
  );
  return reply.redirect(returnTo, 303);
};
