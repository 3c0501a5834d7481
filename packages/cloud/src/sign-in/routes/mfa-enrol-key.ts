/**
 * POST .../mfa-enrol-key (stage `mfa_enrol`): a security key's registration against this interaction's challenge
 * (W3C WebAuthn 7.1) -> stored -> recovery codes, as for the app.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply } from 'fastify';
import { amrFor, verifyWebAuthnRegistration } from '../../mfa/index.ts';
import { ProtectionError } from '../../protection/index.ts';
import { mfaStepEntry } from '../../sign-in-log/index.ts';
import { securityKeyResponse } from '../form-input.ts';
import type { RouteDeps } from './deps.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { showRecoveryCodes } from './mfa-done.ts';
import { rateLimited } from './rate-limit.ts';
import { rpFor } from './relying-party.ts';
import { renderKeyEnrol } from './render-mfa-enrol.ts';
import { record, stepFacts } from './sign-in-record.ts';

export const postMfaEnrolKey = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const startedAt = performance.now();
  const loaded = await loadForm(deps, request, reply);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  const rp = rpFor(deps, loaded.tenant);
  const { mfa } = deps.options;
  if (state?.stage !== 'mfa_enrol' || !mfa || !rp) return reply.redirect(loaded.base, 303);
  if (await rateLimited(deps, request, reply, loaded, state.username)) return reply;
  const challenge = state.webauthnChallenge;
  const response = securityKeyResponse.safeParse(request.body ?? {});
  // Single use: the challenge leaves the state before the check (renderKeyEnrol issues a new one).
  const { webauthnChallenge: _used, ...rest } = state;
  await deps.states.set(loaded.tenant.id, loaded.details.uid, rest, loaded.ttlSeconds);
  const user = { tenantId: loaded.tenant.id, userId: state.userId };
  const facts = stepFacts(request, loaded, state.username, randomUUID(), state.userId);
  let credential: Awaited<ReturnType<typeof verifyWebAuthnRegistration>> | undefined;
  if (challenge && response.success) {
    try {
      credential = await verifyWebAuthnRegistration({
        rp,
        response: response.data.response as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
      });
    } catch (error) {
      if (!(error instanceof ProtectionError)) throw error;
    }
  }
  if (!credential) {
    // Not a guess at a secret (the key proves nothing yet): no lockout count, but a log record.
    await record(deps, mfaStepEntry(facts, { method: 'webauthn', ok: false, totalMs: performance.now() - startedAt }));
    return renderKeyEnrol(deps, reply, loaded, 400, rest, rp, {
      message: 'The security key could not be registered. Try again.',
    });
  }
  await mfa.addWebAuthnCredential({ ...user, credential, name: 'Security key' });
  await record(deps, mfaStepEntry(facts, { method: 'webauthn', ok: true, totalMs: performance.now() - startedAt }));
  // Recovery codes as for the app: a lost key must not lock the user out for good.
  const codes = await mfa.regenerateRecoveryCodes(user);
  const amr = amrFor({ method: 'webauthn', deviceBound: credential.deviceType === 'singleDevice' });
  return showRecoveryCodes(deps, reply, loaded, state, amr, codes);
};
