/**
 * POST .../mfa-enrol (stage `mfa_enrol`): the first code from the new authenticator app, counted by the MFA
 * lockout -> recovery codes (first factor set up) or finish; a wrong code keeps the same pending secret.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { amrFor, type MfaService } from '../../mfa/index.ts';
import { ProtectionError, protectionSettingsFromTenant } from '../../protection/index.ts';
import { mfaStepEntry } from '../../sign-in-log/index.ts';
import { firstMessage, mfaCodeFormSchema } from '../form-input.ts';
import { messagePage } from '../pages/index.ts';
import type { RouteDeps } from './deps.ts';
import { finishLogin } from './finish-login.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { showRecoveryCodes } from './mfa-done.ts';
import { rateLimited } from './rate-limit.ts';
import { WRONG_CODE } from './render-mfa-challenge.ts';
import { renderTotpEnrol } from './render-mfa-enrol.ts';
import { sendPage, sendTooMany } from './send-page.ts';
import { record, stepFacts } from './sign-in-record.ts';

export const postMfaEnrol = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const startedAt = performance.now();
  const loaded = await loadForm(deps, request, reply);
  const state = await deps.states.get(loaded.tenant.id, loaded.details.uid);
  const { mfa } = deps.options;
  const { lockout } = deps;
  if (state?.stage !== 'mfa_enrol' || !mfa || !lockout) return reply.redirect(loaded.base, 303);
  if (await rateLimited(deps, request, reply, loaded, state.username)) return reply;
  const parsed = mfaCodeFormSchema.safeParse({ method: 'totp', ...(request.body as object) });
  if (!parsed.success) {
    return renderTotpEnrol(deps, reply, loaded, 400, state, { message: firstMessage(parsed.error) });
  }
  const user = { tenantId: loaded.tenant.id, userId: state.userId };
  const settings = protectionSettingsFromTenant(loaded.tenant.settings).lockout;
  const gate = await lockout.beginMfa({ tenantId: user.tenantId, username: state.username, settings });
  if (gate.locked) return sendTooMany(reply, loaded.tenant, gate.retryAfterSeconds);
  let confirmed: Awaited<ReturnType<MfaService['confirmTotpEnrolment']>>;
  try {
    confirmed = await mfa.confirmTotpEnrolment({ ...user, code: parsed.data.code });
  } catch (error) {
    gate.abandon();
    if (error instanceof ProtectionError) {
      // The set-up expired (15 minutes): start a new one.
      return renderTotpEnrol(deps, reply, loaded, 200, state, {
        message: 'The set-up took too long. Scan the new code.',
      });
    }
    throw error;
  }
  const after = await gate.finish({ ok: confirmed.ok });
  const facts = stepFacts(request, loaded, state.username, randomUUID(), state.userId);
  const totalMs = performance.now() - startedAt;
  await record(deps, mfaStepEntry(facts, { method: 'totp', ok: confirmed.ok, locked: after.locked, totalMs }));
  if (!confirmed.ok) {
    if (after.locked) return sendTooMany(reply, loaded.tenant, after.retryAfterSeconds);
    // The same secret stays pending: show the page again without starting over.
    return sendPage(
      reply,
      200,
      messagePage({
        title: 'Set up your authenticator app',
        tenantDisplayName: loaded.tenant.displayName,
        alert: { message: `${WRONG_CODE} If it keeps failing, start the set-up again.` },
        retryHref: loaded.base,
      }),
    );
  }
  const amr = amrFor({ method: 'totp' });
  if (!confirmed.recoveryCodes) return finishLogin(deps, request, reply, loaded, state, amr);
  return showRecoveryCodes(deps, reply, loaded, state, amr, confirmed.recoveryCodes);
};
