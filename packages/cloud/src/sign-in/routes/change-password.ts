/**
 * POST .../change-password (stage `change_password`): the current and a new password -> one change through the
 * agent -> on success, the sign-in goes on with the new password through the normal check.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { changePasswordFormSchema, firstMessage } from '../form-input.ts';
import { viewForOutcome } from '../outcome-view.ts';
import { changePassword, checkPassword } from '../password-attempt.ts';
import type { RouteDeps } from './deps.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { actOnPasswordOutcome } from './password-outcome.ts';
import { rateLimited } from './rate-limit.ts';
import { renderChangePassword } from './render-change-password.ts';
import { sendTooMany } from './send-page.ts';
import { attemptContext } from './sign-in-record.ts';

export const postChangePassword = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const startedAt = performance.now();
  const loaded = await loadForm(deps, request, reply);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  if (state?.stage !== 'change_password') return reply.redirect(loaded.base, 303);
  if (await rateLimited(deps, request, reply, loaded, state.username)) return reply;
  const parsed = changePasswordFormSchema.safeParse(request.body ?? {});
  if (!parsed.success) {
    return renderChangePassword(reply, loaded, 400, state, { message: firstMessage(parsed.error) });
  }
  const form = parsed.data;
  const ctx = attemptContext(request, loaded, state.username, startedAt);
  const changed = await changePassword(deps.attempt, ctx, form.currentPassword, form.newPassword);
  if (changed.locked) return sendTooMany(reply, loaded.tenant, changed.retryAfterSeconds);
  const outcome = changed.outcome;
  if (outcome === 'invalid_credentials') {
    return renderChangePassword(reply, loaded, 200, state, { message: 'Your current password is not correct.' });
  }
  if (outcome === 'password_policy') {
    return renderChangePassword(reply, loaded, 200, state, {
      message:
        "The new password does not meet your organisation's rules (length, complexity, or it was used before). Choose another one.",
    });
  }
  if (outcome !== 'ok') {
    const view = viewForOutcome(outcome);
    if (view.kind === 'form') {
      return renderChangePassword(reply, loaded, view.status, state, {
        message: view.message,
        correlationId: view.withCorrelation ? ctx.correlationId : undefined,
      });
    }
    return actOnPasswordOutcome(deps, request, reply, loaded, ctx, { outcome, locked: false });
  }
  // Changed. Continue the sign-in with the new password through the normal check (one bind, as for a login).
  await deps.states.clear(loaded.tenant.id, loaded.details.uid);
  const checked = await checkPassword(deps.attempt, { ...ctx, correlationId: randomUUID() }, form.newPassword);
  return actOnPasswordOutcome(deps, request, reply, loaded, ctx, checked);
};
