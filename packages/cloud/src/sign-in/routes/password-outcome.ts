/**
 * What the page does with the password step's result (shared by login and the re-check after a password change):
 * lockout -> 429; accepted -> JIT user and the MFA decision; anything else -> the page outcome-view.ts names.
 * Each path writes the password step's sign-in log entry.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { amrFor, decideMfa } from '../../mfa/index.ts';
import { protectionSettingsFromTenant } from '../../protection/index.ts';
import { passwordStepEntry } from '../../sign-in-log/index.ts';
import { viewForOutcome } from '../outcome-view.ts';
import { messagePage } from '../pages/index.ts';
import type { AttemptContext, AttemptResult } from '../password-attempt.ts';
import type { RouteDeps } from './deps.ts';
import { finishLogin } from './finish-login.ts';
import type { Loaded } from './load-interaction.ts';
import { renderChangePassword } from './render-change-password.ts';
import { renderMfaChallenge } from './render-mfa-challenge.ts';
import { renderTotpEnrol } from './render-mfa-enrol.ts';
import { renderSignIn } from './render-sign-in.ts';
import { sendPage, sendTooMany } from './send-page.ts';
import { record, stepFacts } from './sign-in-record.ts';

export async function actOnPasswordOutcome(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
  ctx: AttemptContext,
  checked: AttemptResult,
) {
  if (checked.locked) {
    await record(
      deps,
      passwordStepEntry(
        stepFacts(request, loaded, ctx.username, ctx.correlationId),
        checked.refused
          ? { refused: 'locked_out' }
          : {
              outcome: checked.outcome,
              lockedNow: true,
              agentId: checked.agentId,
              dc: checked.dc,
              timings: checked.timings,
              totalMs: performance.now() - ctx.startedAt,
            },
      ),
    );
    return sendTooMany(reply, loaded.tenant, checked.retryAfterSeconds);
  }
  const view = viewForOutcome(checked.outcome);
  if (view.kind === 'finish') return passwordAccepted(deps, request, reply, loaded, ctx, checked);
  await record(
    deps,
    passwordStepEntry(stepFacts(request, loaded, ctx.username, ctx.correlationId), {
      outcome: checked.outcome,
      agentId: checked.agentId,
      dc: checked.dc,
      timings: checked.timings,
      totalMs: performance.now() - ctx.startedAt,
    }),
  );
  switch (view.kind) {
    case 'change_password': {
      const state = { stage: 'change_password' as const, username: ctx.username, reason: view.reason };
      await deps.states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
      return renderChangePassword(reply, loaded, 200, state);
    }
    case 'message':
      return sendPage(
        reply,
        view.status,
        messagePage({
          title: view.title,
          tenantDisplayName: loaded.tenant.displayName,
          alert: { message: view.message, correlationId: ctx.correlationId },
          retryHref: loaded.base,
        }),
      );
    case 'form':
      return renderSignIn(reply, loaded, view.status, ctx.username, {
        message: view.message,
        correlationId: view.withCorrelation ? ctx.correlationId : undefined,
      });
  }
}

/**
 * After a password the directory accepted: JIT user, then the MFA decision (none -> finish with ['pwd'];
 * verify -> the challenge page; enrol -> the authenticator set-up), and the password-step log record.
 */
async function passwordAccepted(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
  ctx: AttemptContext,
  checked: Extract<AttemptResult, { locked?: false }>,
) {
  const { mfa } = deps.options;
  const user = await deps.options.users.upsertFromDirectory(loaded.tenant.id, checked.attributes!);
  const decision = mfa
    ? await decideMfa(
        mfa,
        { tenantId: loaded.tenant.id, userId: user.id },
        protectionSettingsFromTenant(loaded.tenant.settings).mfa,
        checked.attributes?.groups,
      )
    : ({ kind: 'none' } as const);
  await record(
    deps,
    passwordStepEntry(stepFacts(request, loaded, ctx.username, ctx.correlationId, user.id), {
      outcome: 'ok',
      next: decision.kind === 'verify' ? 'mfa' : decision.kind === 'enrol' ? 'mfa_enrolment' : null,
      agentId: checked.agentId,
      dc: checked.dc,
      timings: checked.timings,
      totalMs: performance.now() - ctx.startedAt,
    }),
  );
  if (decision.kind === 'none') {
    return finishLogin(deps, request, reply, loaded, { userId: user.id, username: ctx.username }, amrFor(null));
  }
  if (decision.kind === 'verify') {
    const state = { stage: 'mfa' as const, username: ctx.username, userId: user.id, methods: decision.methods };
    await deps.states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
    return renderMfaChallenge(deps, reply, loaded, 200, state);
  }
  const state = { stage: 'mfa_enrol' as const, username: ctx.username, userId: user.id };
  await deps.states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
  return renderTotpEnrol(deps, reply, loaded, 200, state);
}
