/** POST .../consent: the user allowed a third-party client the scopes and claims it asked for (a saved grant). */
import type { FastifyReply } from 'fastify';
import type { RouteDeps } from './deps.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { EXPIRED } from './page-error.ts';

export const postConsent = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const loaded = await loadForm(deps, request, reply);
  const { details, provider } = loaded;
  if (details.prompt.name !== 'consent') return reply.redirect(loaded.base, 303);
  const accountId = details.session?.accountId;
  if (!accountId) throw EXPIRED();
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (!grant) throw EXPIRED();
  const missingScopes = details.prompt.details.missingOIDCScope as string[] | undefined;
  const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
  if (missingScopes) grant.addOIDCScope(missingScopes.join(' '));
  if (missingClaims) grant.addOIDCClaims(missingClaims);
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(
    request.raw,
    reply.raw,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
  return reply.redirect(returnTo, 303);
};
