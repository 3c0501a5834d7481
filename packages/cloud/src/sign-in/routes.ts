/**
 * The interaction routes: oidc-provider sends the browser to GET /signin/<tenant>/<uid> for the login (and, for
 * third-party clients, consent) prompt. Forms post back under the same path. The routes live outside the provider's
 * /t/ prefix (a provider answers every path under its mount). A result is handed back with interactionResult()
 * and a 303 redirect of our own (interactionFinished writes to the raw response behind Fastify's back).
 *
 * Nothing here ends the interaction except success, an explicit Cancel/Deny, or the interaction expiring: a wrong
 * password, an account-state page or a directory outage leave it open for another try.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CredentialVerifier } from '../credentials/credential-verifier.ts';
import type { ProviderRegistry } from '../oidc/provider-registry.ts';
import type { SignInRateLimiter, SmartLockout } from '../protection/index.ts';
import type { Database } from '../store/schema.ts';
import type { Tenant, TenantService, UserService } from '../tenants/index.ts';
import { createCsrf } from './csrf.ts';
import { changePasswordFormSchema, firstMessage, type SignInForm, signInFormSchema, upnDomain } from './form-input.ts';
import { createInteractionStateStore } from './interaction-state.ts';
import { signInLogger } from './logging.ts';
import { createSignInMetrics } from './metrics.ts';
import { viewForOutcome, WRONG_CREDENTIALS_MESSAGE } from './outcome-view.ts';
import {
  type Alert,
  changePasswordPage,
  consentPage,
  messagePage,
  STYLESHEET,
  STYLESHEET_PATH,
  signInPage,
} from './pages/index.ts';
import { type AttemptContext, checkPassword, recordAttempt } from './password-attempt.ts';
import { setSecurityHeaders } from './security-headers.ts';

export interface SignInRoutesOptions {
  readonly db: Kysely<Database>;
  readonly tenants: Pick<TenantService, 'getByName'>;
  readonly users: Pick<UserService, 'upsertFromDirectory'>;
  readonly registry: ProviderRegistry;
  readonly verifier: CredentialVerifier;
  /** At least 32 bytes; the same on every cloud instance (see docs/SIGN-IN.md). */
  readonly csrfKey: Uint8Array;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  /** Per client address and per tenant (429 + Retry-After). */
  readonly rateLimiter?: SignInRateLimiter;
  /** Per username smart lockout (429 + Retry-After). */
  readonly lockout?: SmartLockout;
  /** Deadline for one verifier call; default 30 s (the agent channel has its own, shorter, budget). */
  readonly verifyTimeoutMs?: number;
}

/** Form bodies are tiny; anything bigger is refused before parsing (413 page). */
const BODY_LIMIT = 16 * 1024;

interface Params {
  tenant: string;
  uid: string;
}

class PageError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

const EXPIRED = () =>
  new PageError(
    400,
    'Sign-in link not valid',
    'This sign-in page has expired or is not valid. Go back to the application and start signing in again.',
  );

export async function signInRoutes(app: FastifyInstance, options: SignInRoutesOptions): Promise<void> {
  const csrf = createCsrf(options.csrfKey);
  const metrics = createSignInMetrics(options.metricsRegistry);
  const states = createInteractionStateStore(options.db);
  const log = signInLogger(options.logger);
  const attemptDeps = {
    verifier: options.verifier,
    lockout: options.lockout,
    metrics,
    logger: log,
    timeoutMs: options.verifyTimeoutMs ?? 30_000,
  };

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  app.addHook('onSend', async (_request, reply, payload) => {
    setSecurityHeaders(reply);
    return payload;
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof PageError) {
      return sendPage(reply, error.status, messagePage({ title: error.title, alert: { message: error.message } }));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Body too large, unsupported media type, malformed body: a clear page, never a stack trace.
      const message =
        status === 413
          ? 'What you typed is too long. Go back and try again.'
          : 'The request could not be read. Go back and try again.';
      return sendPage(
        reply,
        status === 413 ? 413 : 400,
        messagePage({ title: 'Request not valid', alert: { message } }),
      );
    }
    const correlationId = randomUUID();
    log.error({ err: error, correlationId, url: request.url }, 'sign-in page failed');
    return sendPage(
      reply,
      500,
      messagePage({
        title: 'Something went wrong',
        alert: { message: 'Something went wrong on our side. Please try again.', correlationId },
      }),
    );
  });

  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  /** Loads the tenant, its provider and the pending interaction named in the URL (and bound to the cookie). */
  async function load(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const tenant = await options.tenants.getByName(request.params.tenant);
    if (!tenant) throw new PageError(404, 'Organisation not found', 'There is no organisation at this address.');
    const provider = await options.registry.get(tenant);
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      throw EXPIRED();
    }
    if (details.uid !== request.params.uid) throw EXPIRED();
    const base = `/signin/${tenant.name}/${details.uid}`;
    return { tenant, provider, details, base, token: csrf.tokenFor(tenant.id, details.uid) };
  }

  type Loaded = Awaited<ReturnType<typeof load>>;

  function requireCsrf(loaded: Loaded, body: unknown): void {
    const presented = (body as { csrf?: unknown } | undefined)?.csrf;
    if (!csrf.verify(loaded.tenant.id, loaded.details.uid, presented)) {
      throw new PageError(
        403,
        'Request not valid',
        'This form was not sent from the sign-in page, or it is out of date. Go back to the application and try again.',
      );
    }
  }

  async function rateLimited(request: FastifyRequest, reply: FastifyReply, tenant: Tenant): Promise<boolean> {
    if (!options.rateLimiter) return false;
    const decision = await options.rateLimiter.consume({ tenantId: tenant.id, ip: request.ip });
    if (decision.allowed) return false;
    log.warn({ event: 'sign_in_rate_limited', tenant: tenant.name, scope: decision.scope, ip: request.ip });
    sendTooMany(reply, tenant, decision.retryAfterSeconds);
    return true;
  }

  function sendTooMany(reply: FastifyReply, tenant: Tenant, retryAfterSeconds: number): void {
    reply.header('retry-after', String(retryAfterSeconds));
    sendPage(
      reply,
      429,
      messagePage({
        title: 'Too many attempts',
        tenantDisplayName: tenant.displayName,
        alert: { message: `Too many sign-in attempts. Wait ${retryAfterSeconds} seconds, then try again.` },
      }),
    );
  }

  function renderSignIn(reply: FastifyReply, loaded: Loaded, status: number, username?: string, alert?: Alert) {
    return sendPage(
      reply,
      status,
      signInPage({
        tenantDisplayName: loaded.tenant.displayName,
        action: `${loaded.base}/login`,
        abortAction: `${loaded.base}/abort`,
        csrfToken: loaded.token,
        username,
        alert,
      }),
    );
  }

  function renderChange(
    reply: FastifyReply,
    loaded: Loaded,
    status: number,
    state: { username: string; reason: 'password_expired' | 'password_must_change' },
    alert?: Alert,
  ) {
    return sendPage(
      reply,
      status,
      changePasswordPage({
        tenantDisplayName: loaded.tenant.displayName,
        action: `${loaded.base}/change-password`,
        csrfToken: loaded.token,
        username: state.username,
        reason: state.reason,
        alert,
      }),
    );
  }

  async function finishLogin(reply: FastifyReply, request: FastifyRequest, loaded: Loaded, accountId: string) {
    const result: InteractionResults = {
      // remember: false keeps the SSO session for this browser session only (no "keep me signed in" option).
      login: { accountId, amr: ['pwd'], remember: false, ts: Math.floor(Date.now() / 1000) },
    };
    await states.clear(loaded.tenant.id, loaded.details.uid);
    const returnTo = await loaded.provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return reply.redirect(returnTo, 303);
  }

  /** Acts on a verifier outcome after the password step (shared by login and the post-change re-check). */
  async function actOnOutcome(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    ctx: AttemptContext,
    checked: Awaited<ReturnType<typeof checkPassword>>,
  ) {
    if (checked.locked) return sendTooMany(reply, loaded.tenant, checked.retryAfterSeconds);
    const view = viewForOutcome(checked.outcome);
    switch (view.kind) {
      case 'finish': {
        const user = await options.users.upsertFromDirectory(loaded.tenant.id, checked.attributes!);
        await options.lockout?.recordSignInSuccess({ tenantId: loaded.tenant.id, username: ctx.username, ip: ctx.ip });
        return finishLogin(reply, request, loaded, user.id);
      }
      case 'change_password': {
        const state = { stage: 'change_password' as const, username: ctx.username, reason: view.reason };
        await states.set(loaded.tenant.id, loaded.details.uid, state, loaded.details.exp - Date.now() / 1000);
        return renderChange(reply, loaded, 200, state);
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

  app.get<{ Params: Params }>('/signin/:tenant/:uid', async (request, reply) => {
    const loaded = await load(request, reply);
    const prompt = loaded.details.prompt.name;
    if (prompt === 'consent') {
      const client = await loaded.provider.Client.find(String(loaded.details.params.client_id));
      const missing = (loaded.details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return sendPage(
        reply,
        200,
        consentPage({
          tenantDisplayName: loaded.tenant.displayName,
          clientName: client?.clientName ?? String(loaded.details.params.client_id),
          scopes: missing,
          action: `${loaded.base}/consent`,
          abortAction: `${loaded.base}/abort`,
          csrfToken: loaded.token,
        }),
      );
    }
    const state = await states.get(loaded.tenant.id, loaded.details.uid);
    if (state) return renderChange(reply, loaded, 200, state);
    const hint = loaded.details.params.login_hint;
    const username = typeof hint === 'string' && hint.length <= 256 && hint.isWellFormed() ? hint : undefined;
    return renderSignIn(reply, loaded, 200, username);
  });

  app.post<{ Params: Params }>('/signin/:tenant/:uid/login', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const startedAt = performance.now();
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    if (loaded.details.prompt.name !== 'login') return reply.redirect(loaded.base, 303);
    if (await rateLimited(request, reply, loaded.tenant)) return reply;
    const parsed = signInFormSchema.safeParse(request.body ?? {});
    const typed = (request.body as { username?: unknown } | undefined)?.username;
    if (!parsed.success) {
      const keep = typeof typed === 'string' && typed.length <= 256 && typed.isWellFormed() ? typed : undefined;
      return renderSignIn(reply, loaded, 400, keep, { message: firstMessage(parsed.error) });
    }
    const form: SignInForm = parsed.data;
    const ctx: AttemptContext = {
      tenant: loaded.tenant,
      username: form.username,
      ip: request.ip,
      correlationId: randomUUID(),
      startedAt,
    };
    // Home-realm discovery: a UPN suffix that is not one of this tenant's verified domains (another tenant's, or
    // nobody's) reads exactly like a wrong password, so the page cannot be used to map domains to tenants.
    if (!loaded.tenant.domains.includes(upnDomain(form.username))) {
      recordAttempt(attemptDeps, ctx, 'invalid_credentials', { reason: 'domain_not_in_tenant' });
      return renderSignIn(reply, loaded, 200, form.username, { message: WRONG_CREDENTIALS_MESSAGE });
    }
    const checked = await checkPassword(attemptDeps, ctx, form.password);
    return actOnOutcome(request, reply, loaded, ctx, checked);
  });

  app.post<{ Params: Params }>(
    '/signin/:tenant/:uid/change-password',
    { bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const startedAt = performance.now();
      const loaded = await load(request, reply);
      requireCsrf(loaded, request.body);
      const state = await states.get(loaded.tenant.id, loaded.details.uid);
      if (!state) return reply.redirect(loaded.base, 303);
      if (await rateLimited(request, reply, loaded.tenant)) return reply;
      const parsed = changePasswordFormSchema.safeParse(request.body ?? {});
      if (!parsed.success) return renderChange(reply, loaded, 400, state, { message: firstMessage(parsed.error) });
      const form = parsed.data;
      const ctx: AttemptContext = {
        tenant: loaded.tenant,
        username: state.username,
        ip: request.ip,
        correlationId: randomUUID(),
        startedAt,
      };
      let outcome: Awaited<ReturnType<CredentialVerifier['changePassword']>>['outcome'];
      try {
        ({ outcome } = await options.verifier.changePassword({
          tenantId: loaded.tenant.id,
          username: state.username,
          oldPassword: form.currentPassword,
          newPassword: form.newPassword,
          correlationId: ctx.correlationId,
          signal: AbortSignal.timeout(attemptDeps.timeoutMs),
        }));
      } catch (error) {
        log.error({ err: error, correlationId: ctx.correlationId }, 'credential verifier failed (change)');
        outcome = 'directory_error';
      }
      metrics.passwordChanges.inc({ outcome });
      log.info(
        {
          event: 'password_change',
          tenant: loaded.tenant.name,
          username: state.username,
          outcome,
          correlationId: ctx.correlationId,
        },
        'password change at sign-in',
      );
      if (outcome === 'invalid_credentials') {
        return renderChange(reply, loaded, 200, state, { message: 'Your current password is not correct.' });
      }
      if (outcome === 'password_policy') {
        return renderChange(reply, loaded, 200, state, {
          message:
            "The new password does not meet your organisation's rules (length, complexity, or it was used before). Choose another one.",
        });
      }
      if (outcome !== 'ok') {
        const view = viewForOutcome(outcome);
        if (view.kind === 'form') {
          return renderChange(reply, loaded, view.status, state, {
            message: view.message,
            correlationId: view.withCorrelation ? ctx.correlationId : undefined,
          });
        }
        return actOnOutcome(request, reply, loaded, ctx, { outcome, locked: false });
      }
      // Changed. Continue the sign-in with the new password through the normal check (one bind, as for a login).
      await states.clear(loaded.tenant.id, loaded.details.uid);
      const checked = await checkPassword(attemptDeps, ctx, form.newPassword);
      return actOnOutcome(request, reply, loaded, ctx, checked);
    },
  );

  app.post<{ Params: Params }>('/signin/:tenant/:uid/consent', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    const { details, provider } = loaded;
    if (details.prompt.name !== 'consent') return reply.redirect(loaded.base, 303);
    const accountId = details.session?.accountId;
    if (!accountId) throw EXPIRED();
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw EXPIRED();
    const missingScopes = details.prompt.details.missingOIDCScope as string[] | undefined;
    const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
    if (missingScopes) grant.addOIDCScope(missingScopes.join(' '));
    if (missingClaims) grant.addOIDCClaims(missingClaims);
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      { consent: { grantId } },
      {
        mergeWithLastSubmission: true,
      },
    );
    return reply.redirect(returnTo, 303);
  });

  app.post<{ Params: Params }>('/signin/:tenant/:uid/abort', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    await states.clear(loaded.tenant.id, loaded.details.uid);
    const returnTo = await loaded.provider.interactionResult(
      request.raw,
      reply.raw,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(returnTo, 303);
  });
}

function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}
