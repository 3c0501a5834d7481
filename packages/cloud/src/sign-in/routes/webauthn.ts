/**
 * POST .../mfa with method=webauthn: the assertion from the WebAuthn script against this interaction's challenge
 * (W3C WebAuthn 7.2), counted like a code.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityKeyResponse } from '../form-input.ts';
import type { RouteDeps } from './deps.ts';
import { finishLogin } from './finish-login.ts';
import type { Loaded } from './load-interaction.ts';
import { rpFor } from './relying-party.ts';
import { type MfaState, renderMfaChallenge } from './render-mfa-challenge.ts';
import { secondFactorStep } from './second-factor-step.ts';
import { sendTooMany } from './send-page.ts';

export async function securityKeyStep(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
  state: MfaState,
  startedAt: number,
) {
  const rp = rpFor(deps, loaded.tenant);
  const { mfa } = deps.options;
  const { lockout } = deps;
  const challenge = state.webauthnChallenge;
  const response = securityKeyResponse.safeParse(request.body ?? {});
  if (!rp || !mfa || !lockout || !state.methods.includes('webauthn') || !challenge || !response.success) {
    return renderMfaChallenge(deps, reply, loaded, 400, state, {
      alert: { message: 'The security key answer was not valid. Try again.' },
    });
  }
  // Single use: the challenge leaves the state before the check (renderMfaChallenge issues a new one).
  const { webauthnChallenge: _used, ...rest } = state;
  await deps.states.set(loaded.tenant.id, loaded.details.uid, rest, loaded.ttlSeconds);
  const factor = {
    method: 'webauthn',
    response: response.data.response as unknown as AuthenticationResponseJSON,
    expectedChallenge: challenge,
    rp,
  } as const;
  const result = await secondFactorStep(deps, { mfa, lockout }, request, loaded, state, factor, startedAt);
  if (result.ok) return finishLogin(deps, request, reply, loaded, state, result.amr);
  if (result.locked) return sendTooMany(reply, loaded.tenant, result.retryAfterSeconds);
  return renderMfaChallenge(deps, reply, loaded, 200, rest, {
    alert: { message: 'That security key was not accepted. Use the key you registered, or another way.' },
  });
}
