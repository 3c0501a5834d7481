import type { FastifyReply } from 'fastify';
import { webAuthnAuthenticationOptions } from '../../mfa/index.ts';
import { mfaChallengePage } from '../../mfa/pages/index.ts';
import type { InteractionState } from '../interaction-state.ts';
import type { Alert } from '../pages/index.ts';
import { allowSignInScript } from '../security-headers.ts';
import type { RouteDeps } from './deps.ts';
import type { Loaded } from './load-interaction.ts';
import { rpFor } from './relying-party.ts';
import { sendPage } from './send-page.ts';

export type MfaState = Extract<InteractionState, { stage: 'mfa' }>;

export const WRONG_CODE = 'That code is not right. Check it and try again.';

/** The second-factor page of the `mfa` stage; with a security key on offer, a fresh WebAuthn challenge. */
export async function renderMfaChallenge(
  deps: RouteDeps,
  reply: FastifyReply,
  loaded: Loaded,
  status: number,
  state: MfaState,
  page: { recovery?: boolean; alert?: Alert } = {},
) {
  const rp = rpFor(deps, loaded.tenant);
  const { mfa } = deps.options;
  let webAuthn: { options: unknown; action: string } | undefined;
  if (rp && mfa && state.methods.includes('webauthn') && page.recovery !== true) {
    const credentials = await mfa.listWebAuthnCredentials({
      tenantId: loaded.tenant.id,
      userId: state.userId,
    });
    const keyOptions = await webAuthnAuthenticationOptions({ rp, credentials });
    // A fresh challenge per page; the verification takes it out of the state (single use).
    await deps.states.set(
      loaded.tenant.id,
      loaded.details.uid,
      { ...state, webauthnChallenge: keyOptions.challenge },
      loaded.ttlSeconds,
    );
    webAuthn = { options: keyOptions, action: `${loaded.base}/mfa` };
    allowSignInScript(reply);
  }
  return sendPage(
    reply,
    status,
    mfaChallengePage({
      tenantDisplayName: loaded.tenant.displayName,
      action: `${loaded.base}/mfa`,
      abortAction: `${loaded.base}/abort`,
      csrfToken: loaded.token,
      methods: state.methods,
      useRecoveryCode: page.recovery,
      recoveryHref: `${loaded.base}?recovery=1`,
      webAuthn,
      alert: page.alert,
    }),
  );
}
