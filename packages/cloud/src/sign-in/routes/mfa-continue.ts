/** POST .../mfa-continue (stage `mfa_done`): the recovery codes were shown; finish with the second factor's amr. */
import type { FastifyReply } from 'fastify';
import type { AmrValue } from '../../mfa/index.ts';
import type { RouteDeps } from './deps.ts';
import { finishLogin } from './finish-login.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';

export const postMfaContinue = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const loaded = await loadForm(deps, request, reply);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  if (state?.stage !== 'mfa_done') return reply.redirect(loaded.base, 303);
  return finishLogin(deps, request, reply, loaded, state, state.amr as AmrValue[]);
};
