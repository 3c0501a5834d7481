/**
 * GET /signin/<tenant>/<uid>: where oidc-provider sends the browser. Shows the page of the interaction's stage:
 * consent for a third-party client, else the page of the pending step, else the username/password form.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { consentPage } from '../pages/index.ts';
import type { RouteDeps } from './deps.ts';
import { type Loaded, loadInteraction, type Params } from './load-interaction.ts';
import { renderContinue } from './mfa-done.ts';
import { rpFor } from './relying-party.ts';
import { renderChangePassword } from './render-change-password.ts';
import { renderMfaChallenge } from './render-mfa-challenge.ts';
import { renderKeyEnrol, renderTotpEnrol } from './render-mfa-enrol.ts';
import { renderSignIn } from './render-sign-in.ts';
import { sendPage } from './send-page.ts';

export interface ShowSignInRoute {
  Params: Params;
  Querystring: { recovery?: string; enrol?: string };
}

type ShowRequest = FastifyRequest<ShowSignInRoute>;

export const showSignIn = (deps: RouteDeps) => async (request: ShowRequest, reply: FastifyReply) => {
  const loaded = await loadInteraction(deps, request, reply);
  if (loaded.details.prompt.name === 'consent') return renderConsent(reply, loaded);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  switch (state?.stage) {
    case 'change_password':
      return renderChangePassword(reply, loaded, 200, state);
    case 'mfa':
      return renderMfaChallenge(deps, reply, loaded, 200, state, { recovery: request.query.recovery === '1' });
    case 'mfa_enrol': {
      if (!deps.options.mfa) break;
      const rp = rpFor(deps, loaded.tenant);
      if (rp && request.query.enrol === 'key') return renderKeyEnrol(deps, reply, loaded, 200, state, rp);
      return renderTotpEnrol(deps, reply, loaded, 200, state);
    }
    case 'mfa_done':
      return renderContinue(reply, loaded);
  }
  const hint = loaded.details.params.login_hint;
  const username = typeof hint === 'string' && hint.length <= 256 && hint.isWellFormed() ? hint : undefined;
  return renderSignIn(reply, loaded, 200, username);
};

/** The consent prompt: the scopes the client asks for that this user has not granted it yet. */
async function renderConsent(reply: FastifyReply, loaded: Loaded) {
  const client = await loaded.provider.Client.find(String(loaded.details.params.client_id));
  const missing = (loaded.details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  return sendPage(
    reply,
    200,
    consentPage({
      tenantDisplayName: loaded.tenant.displayName,
      clientName: client?.clientName ?? String(loaded.details.params.client_id),
      scopes: missing,
      action: `${loaded.base}/consent`,
      abortAction: `${loaded.base}/abort`,
      csrfToken: loaded.token,
    }),
  );
}
