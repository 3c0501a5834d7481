/**
 * The interaction routes: oidc-provider sends the browser to GET /signin/<tenant>/<uid> for the login (and, for
 * third-party clients, consent) prompt. Forms post back under the same path. The routes live outside the provider's
 * /t/ prefix (a provider answers every path under its mount). A result is handed back with interactionResult()
 * and a 303 redirect of our own (interactionFinished writes to the raw response behind Fastify's back).
 *
 * One interaction, as a state machine (interaction-state.ts): password -> [change password] -> [second factor or
 * authenticator set-up -> recovery codes] -> finished with amr. Nothing ends the interaction except success, an
 * explicit Cancel/Deny, or expiry: a wrong password, a wrong code, an account-state page or a directory outage leave
 * it open for another try.
 *
 * One file per route; the steps they share (loading the interaction, rate limit, the outcome page, finishing the
 * interaction, the sign-in log entry) have their own files here.
 */
import type { FastifyInstance } from 'fastify';
import { postAbort } from './abort.ts';
import { postChangePassword } from './change-password.ts';
import { postConsent } from './consent.ts';
import { createRouteDeps, type SignInRoutesOptions } from './deps.ts';
import type { Params } from './load-interaction.ts';
import { postMfaChallenge } from './mfa-challenge.ts';
import { postMfaContinue } from './mfa-continue.ts';
import { postMfaEnrol } from './mfa-enrol.ts';
import { postMfaEnrolKey } from './mfa-enrol-key.ts';
import { registerPageHooks } from './page-hooks.ts';
import { postLogin } from './post-login.ts';
import { type ShowSignInRoute, showSignIn } from './show-sign-in.ts';
import { registerStaticFiles } from './static.ts';

export type { SignInRoutesOptions } from './deps.ts';

/** Form bodies are tiny; anything bigger is refused before parsing (413 page). */
const BODY_LIMIT = 16 * 1024;

/** Every form post names the tenant and the interaction in its path. */
interface Route {
  Params: Params;
}

export async function signInRoutes(app: FastifyInstance, options: SignInRoutesOptions): Promise<void> {
  const deps = createRouteDeps(options);
  await registerPageHooks(app, deps.log);
  registerStaticFiles(app);

  const form = { bodyLimit: BODY_LIMIT };
  app.get<ShowSignInRoute>('/signin/:tenant/:uid', showSignIn(deps));
  app.post<Route>('/signin/:tenant/:uid/login', form, postLogin(deps));
  app.post<Route>('/signin/:tenant/:uid/change-password', form, postChangePassword(deps));
  app.post<Route>('/signin/:tenant/:uid/mfa', form, postMfaChallenge(deps));
  app.post<Route>('/signin/:tenant/:uid/mfa-enrol', form, postMfaEnrol(deps));
  app.post<Route>('/signin/:tenant/:uid/mfa-enrol-key', form, postMfaEnrolKey(deps));
  app.post<Route>('/signin/:tenant/:uid/mfa-continue', form, postMfaContinue(deps));
  app.post<Route>('/signin/:tenant/:uid/consent', form, postConsent(deps));
  app.post<Route>('/signin/:tenant/:uid/abort', form, postAbort(deps));
}
