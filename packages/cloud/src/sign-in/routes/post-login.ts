/** POST .../login: the username/password form -> home-realm check -> one password check -> the outcome's page. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { passwordStepEntry } from '../../sign-in-log/index.ts';
import { firstMessage, type SignInForm, signInFormSchema, upnDomain } from '../form-input.ts';
import { WRONG_CREDENTIALS_MESSAGE } from '../outcome-view.ts';
import { checkPassword, recordAttempt } from '../password-attempt.ts';
import type { RouteDeps } from './deps.ts';
import { loadForm, type ParamsRequest } from './load-interaction.ts';
import { actOnPasswordOutcome } from './password-outcome.ts';
import { rateLimited } from './rate-limit.ts';
import { renderSignIn } from './render-sign-in.ts';
import { attemptContext, record, stepFacts } from './sign-in-record.ts';

export const postLogin = (deps: RouteDeps) => async (request: ParamsRequest, reply: FastifyReply) => {
  const startedAt = performance.now();
  const loaded = await loadForm(deps, request, reply);
  if (loaded.details.prompt.name !== 'login') return reply.redirect(loaded.base, 303);
  const typed = (request.body as { username?: unknown } | undefined)?.username;
  if (await rateLimited(deps, request, reply, loaded, typed)) return reply;
  // A new password step starts over: any pending change or second factor of an earlier attempt is dropped.
  await deps.states.clear(loaded.tenant.id, loaded.details.uid);
  const parsed = signInFormSchema.safeParse(request.body ?? {});
  if (!parsed.success) {
    const keep = typeof typed === 'string' && typed.length <= 256 && typed.isWellFormed() ? typed : undefined;
    if (keep) await record(deps, passwordStepEntry(stepFacts(request, loaded, keep, randomUUID()), {}));
    return renderSignIn(reply, loaded, 400, keep, { message: firstMessage(parsed.error) });
  }
  const form: SignInForm = parsed.data;
  const ctx = attemptContext(request, loaded, form.username, startedAt);
  // Home-realm discovery: a UPN suffix that is not one of this tenant's verified domains (another tenant's, or
  // nobody's) reads exactly like a wrong password, so the page cannot be used to map domains to tenants.
  if (!loaded.tenant.domains.includes(upnDomain(form.username))) {
    recordAttempt(deps.attempt, ctx, 'invalid_credentials', { reason: 'domain_not_in_tenant' });
    await record(
      deps,
      passwordStepEntry(stepFacts(request, loaded, ctx.username, ctx.correlationId), {
        outcome: 'invalid_credentials',
        totalMs: performance.now() - startedAt,
      }),
    );
    return renderSignIn(reply, loaded, 200, form.username, { message: WRONG_CREDENTIALS_MESSAGE });
  }
  const checked = await checkPassword(deps.attempt, ctx, form.password);
  return actOnPasswordOutcome(deps, request, reply, loaded, ctx, checked);
};
