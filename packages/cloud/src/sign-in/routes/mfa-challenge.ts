/**
 * POST .../mfa (stage `mfa`): an app code or a recovery code (a security key's answer goes to webauthn.ts) ->
 * the counted check -> finish, 429, or the challenge page again.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { firstMessage, mfaCodeFormSchema } from '../form-input.ts';
import type { RouteDeps } from './deps.ts';
import { finishLogin } from './finish-login.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { rateLimited } from './rate-limit.ts';
import { renderMfaChallenge, WRONG_CODE } from './render-mfa-challenge.ts';
import { secondFactorStep } from './second-factor-step.ts';
import { sendTooMany } from './send-page.ts';
import { securityKeyStep } from './webauthn.ts';

export const postMfaChallenge = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const startedAt = performance.now();
  const loaded = await loadForm(deps, request, reply);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  const { mfa } = deps.options;
  const { lockout } = deps;
  if (state?.stage !== 'mfa' || !mfa || !lockout) return reply.redirect(loaded.base, 303);
  if (await rateLimited(deps, request, reply, loaded, state.username)) return reply;
  if ((request.body as { method?: unknown } | undefined)?.method === 'webauthn') {
    return securityKeyStep(deps, request, reply, loaded, state, startedAt);
  }
  const parsed = mfaCodeFormSchema.safeParse(request.body ?? {});
  const method = parsed.success ? parsed.data.method : 'totp';
  const recovery = method === 'recovery_code';
  if (!parsed.success || !state.methods.includes(method)) {
    const message = parsed.success ? 'Use one of the offered ways to verify.' : firstMessage(parsed.error);
    return renderMfaChallenge(deps, reply, loaded, 400, state, { recovery, alert: { message } });
  }
  const factor =
    parsed.data.method === 'totp'
      ? ({ method: 'totp', code: parsed.data.code } as const)
      : ({ method: 'recovery_code', code: parsed.data.code } as const);
  const result = await secondFactorStep(deps, { mfa, lockout }, request, loaded, state, factor, startedAt);
  if (result.ok) return finishLogin(deps, request, reply, loaded, state, result.amr);
  if (result.locked) return sendTooMany(reply, loaded.tenant, result.retryAfterSeconds);
  return renderMfaChallenge(deps, reply, loaded, 200, state, { recovery, alert: { message: WRONG_CODE } });
};
