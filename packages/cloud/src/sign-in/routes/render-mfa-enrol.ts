/** The pages of the `mfa_enrol` stage: the authenticator-app set-up, or a security key instead. */
import type { FastifyReply } from 'fastify';
import { type RelyingParty, webAuthnRegistrationOptions } from '../../mfa/index.ts';
import { securityKeyEnrolPage, totpEnrolPage } from '../../mfa/pages/index.ts';
import type { InteractionState } from '../interaction-state.ts';
import type { Alert } from '../pages/index.ts';
import { allowSignInScript } from '../security-headers.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';
import { rpFor } from './relying-party.ts';
import { sendPage } from './send-page.ts';

export type MfaEnrolState = Extract<InteractionState, { stage: 'mfa_enrol' }>;

/** Starts (or restarts, with a new secret) the authenticator set-up and shows it. */
export async function renderTotpEnrol(
  deps: RouteDeps,
  reply: FastifyReply,
  loaded: Loaded,
  status: number,
  state: MfaEnrolState,
  alert?: Alert,
) {
  const enrolment = await deps.options.mfa!.beginTotpEnrolment({
    tenantId: loaded.tenant.id,
    userId: state.userId,
    issuer: loaded.tenant.displayName,
    accountName: state.username,
  });
  return sendPage(
    reply,
    status,
    totpEnrolPage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/mfa-enrol`,
      abortAction: `${loaded.base}/abort`,
      csrfToken: loaded.token,
      qrSvg: enrolment.qrSvg,
      secretBase32: enrolment.secretBase32,
      uri: enrolment.uri,
      securityKeyHref: rpFor(deps, loaded.tenant) ? `${loaded.base}?enrol=key` : undefined,
      alert,
    }),
  );
}

/** The security-key set-up (the alternative to the app): fresh registration options, challenge kept in the state. */
export async function renderKeyEnrol(
  deps: RouteDeps,
  reply: FastifyReply,
  loaded: Loaded,
  status: number,
  state: MfaEnrolState,
  rp: RelyingParty,
  alert?: Alert,
) {
  const user = { tenantId: loaded.tenant.id, userId: state.userId };
  const keyOptions = await webAuthnRegistrationOptions({
    rp,
    user: { id: state.userId, name: state.username },
    existing: await deps.options.mfa!.listWebAuthnCredentials(user),
  });
  await deps.states.set(
    loaded.tenant.id,
    loaded.details.uid,
    { ...state, webauthnChallenge: keyOptions.challenge },
    loaded.ttlSeconds,
  );
  allowSignInScript(reply);
  return sendPage(
    reply,
    status,
    securityKeyEnrolPage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/mfa-enrol-key`,
      abortAction: `${loaded.base}/abort`,
      csrfToken: loaded.token,
      options: keyOptions,
      appHref: loaded.base,
      alert,
    }),
  );
}
