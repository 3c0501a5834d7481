/**
 * The interaction routes: oidc-provider sends the browser to GET /signin/<tenant>/<uid> for the login (and, for
 * third-party clients, consent) prompt. Forms post back under the same path. The routes live outside the provider's
 * /t/ prefix (a provider answers every path under its mount). A result is handed back with interactionResult()
 * and a 303 redirect of our own (interactionFinished writes to the raw response behind Fastify's back).
 *
 * One interaction, as a state machine (interaction-state.ts): password -> [change password] -> [second factor or
 * authenticator set-up -> recovery codes] -> finished with amr. Nothing ends the interaction except success, an
 * explicit Cancel/Deny, or expiry: a wrong password, a wrong code, an account-state page or a directory outage leave
 * it open for another try.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import formbody from '@fastify/formbody';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CredentialVerifier } from '../credentials/credential-verifier.ts';
import {
  type AmrValue,
  amrFor,
  decideMfa,
  type MfaService,
  type RelyingParty,
  verifySecondFactor,
  verifyWebAuthnRegistration,
  webAuthnAuthenticationOptions,
  webAuthnRegistrationOptions,
} from '../mfa/index.ts';
import {
  mfaChallengePage,
  recoveryCodesPage,
  securityKeyEnrolPage,
  totpEnrolPage,
  WEBAUTHN_SCRIPT,
  WEBAUTHN_SCRIPT_PATH,
} from '../mfa/pages/index.ts';
import type { ProviderRegistry } from '../oidc/provider-registry.ts';
import {
  ProtectionError,
  protectionSettingsFromTenant,
  type SignInRateLimiter,
  SmartLockout,
} from '../protection/index.ts';
import { type AttemptFacts, mfaStepEntry, passwordStepEntry, type SignInRecorder } from '../sign-in-log/index.ts';
import type { Database } from '../store/schema.ts';
import type { Tenant, TenantService, UserService } from '../tenants/index.ts';
import { createCsrf } from './csrf.ts';
import {
  changePasswordFormSchema,
  firstMessage,
  MAX_FIELD_LENGTH,
  mfaCodeFormSchema,
  type SignInForm,
  securityKeyResponse,
  signInFormSchema,
  upnDomain,
} from './form-input.ts';
import { createInteractionStateStore, type InteractionState } from './interaction-state.ts';
import { signInLogger } from './logging.ts';
import { createSignInMetrics } from './metrics.ts';
import { viewForOutcome, WRONG_CREDENTIALS_MESSAGE } from './outcome-view.ts';
import {
  type Alert,
  changePasswordPage,
  consentPage,
  continuePage,
  messagePage,
  STYLESHEET,
  STYLESHEET_PATH,
  signInPage,
} from './pages/index.ts';
import {
  type AttemptContext,
  type AttemptResult,
  changePassword,
  checkPassword,
  recordAttempt,
} from './password-attempt.ts';
import { allowSignInScript, setSecurityHeaders } from './security-headers.ts';

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
  /** Per username smart lockout (429 + Retry-After); also the MFA counter. */
  readonly lockout?: SmartLockout;
  /** Second factors (TOTP, recovery codes); without it every accepted password finishes with amr ['pwd']. */
  readonly mfa?: MfaService;
  /** The sign-in log (one record per step); best effort, never fails a sign-in. */
  readonly recorder?: SignInRecorder;
  /** Deadline for one verifier call; default 20 s (keep it below the server's request timeout). */
  readonly verifyTimeoutMs?: number;
  /**
   * The cloud's public URL: its host is the WebAuthn RP ID and its origin the only accepted origin. Without it
   * security keys are not offered (TOTP and recovery codes still are). A function is read at each use (the port of
   * `--port 0` is known only after listen).
   */
  readonly publicUrl?: string | (() => string);
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

const WRONG_CODE = 'That code is not right. Check it and try again.';

export async function signInRoutes(app: FastifyInstance, options: SignInRoutesOptions): Promise<void> {
  const csrf = createCsrf(options.csrfKey);
  const metrics = createSignInMetrics(options.metricsRegistry);
  const states = createInteractionStateStore(options.db);
  const log = signInLogger(options.logger);
  const lockout = options.lockout ?? (options.mfa ? new SmartLockout() : undefined);
  const attemptDeps = {
    verifier: options.verifier,
    lockout,
    metrics,
    logger: log,
    timeoutMs: options.verifyTimeoutMs ?? 20_000,
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
  app.get(WEBAUTHN_SCRIPT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(WEBAUTHN_SCRIPT),
  );

  /** WebAuthn relying party (W3C WebAuthn 5.1.4: the RP ID is the host, the origin must match exactly). */
  function rpFor(tenant: Tenant): RelyingParty | undefined {
    const url = typeof options.publicUrl === 'function' ? options.publicUrl() : options.publicUrl;
    if (!url) return undefined;
    const publicOrigin = new URL(url);
    return { id: publicOrigin.hostname, name: tenant.displayName, origins: [publicOrigin.origin] };
  }

  // ---- shared steps -------------------------------------------------------------------------------------------

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
    const ttlSeconds = details.exp - Date.now() / 1000;
    return { tenant, provider, details, base, ttlSeconds, token: csrf.tokenFor(tenant.id, details.uid) };
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

  function facts(request: FastifyRequest, loaded: Loaded, username: string, correlationId: string, userId?: string) {
    const userAgent = request.headers['user-agent'];
    return {
      tenantId: loaded.tenant.id,
      username,
      ip: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
      clientId: String(loaded.details.params.client_id ?? '') || null,
      correlationId,
      userId: userId ?? null,
    } satisfies AttemptFacts;
  }

  function record(entry: Parameters<SignInRecorder['record']>[0]): Promise<void> {
    return options.recorder ? options.recorder.record(entry) : Promise.resolve();
  }

  /** Per address/tenant budget. `username` (when known) is only for the sign-in log record of the refusal. */
  async function rateLimited(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    username: unknown,
  ): Promise<boolean> {
    if (!options.rateLimiter) return false;
    const decision = await options.rateLimiter.consume({ tenantId: loaded.tenant.id, ip: request.ip });
    if (decision.allowed) return false;
    const known = typeof username === 'string' && username.length > 0 && username.length <= MAX_FIELD_LENGTH * 4;
    const ctx = attemptContext(request, loaded, known ? username : '', performance.now());
    recordAttempt(attemptDeps, ctx, 'rate_limited', { scope: decision.scope });
    if (known)
      await record(
        passwordStepEntry(facts(request, loaded, ctx.username, ctx.correlationId), { refused: 'rate_limited' }),
      );
    sendTooMany(reply, loaded.tenant, decision.retryAfterSeconds);
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

  async function renderChallenge(
    reply: FastifyReply,
    loaded: Loaded,
    status: number,
    state: Extract<InteractionState, { stage: 'mfa' }>,
    options2: { recovery?: boolean; alert?: Alert } = {},
  ) {
    const rp = rpFor(loaded.tenant);
    let webAuthn: { options: unknown; action: string } | undefined;
    if (rp && options.mfa && state.methods.includes('webauthn') && options2.recovery !== true) {
      const credentials = await options.mfa.listWebAuthnCredentials({
        tenantId: loaded.tenant.id,
        userId: state.userId,
      });
      const keyOptions = await webAuthnAuthenticationOptions({ rp, credentials });
      // A fresh challenge per page; the verification takes it out of the state (single use).
      await states.set(
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
        useRecoveryCode: options2.recovery,
        recoveryHref: `${loaded.base}?recovery=1`,
        webAuthn,
        alert: options2.alert,
      }),
    );
  }

  /** Starts (or restarts, with a new secret) the authenticator set-up and shows it. */
  async function renderEnrol(
    reply: FastifyReply,
    loaded: Loaded,
    status: number,
    state: Extract<InteractionState, { stage: 'mfa_enrol' }>,
    alert?: Alert,
  ) {
    const enrolment = await options.mfa!.beginTotpEnrolment({
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
        securityKeyHref: rpFor(loaded.tenant) ? `${loaded.base}?enrol=key` : undefined,
        alert,
      }),
    );
  }

  /** The security-key set-up (the alternative to the app): fresh registration options, challenge kept in the state. */
  async function renderKeyEnrol(
    reply: FastifyReply,
    loaded: Loaded,
    status: number,
    state: Extract<InteractionState, { stage: 'mfa_enrol' }>,
    rp: RelyingParty,
    alert?: Alert,
  ) {
    const user = { tenantId: loaded.tenant.id, userId: state.userId };
    const keyOptions = await webAuthnRegistrationOptions({
      rp,
      user: { id: state.userId, name: state.username },
      existing: await options.mfa!.listWebAuthnCredentials(user),
    });
    await states.set(
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

  function renderContinue(reply: FastifyReply, loaded: Loaded) {
    return sendPage(
      reply,
      200,
      continuePage({
        tenantDisplayName: loaded.tenant.displayName,
        action: `${loaded.base}/mfa-continue`,
        csrfToken: loaded.token,
      }),
    );
  }

  async function finishLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    user: { userId: string; username: string },
    amr: readonly AmrValue[],
  ) {
    await lockout?.recordSignInSuccess({ tenantId: loaded.tenant.id, username: user.username, ip: request.ip });
    await states.clear(loaded.tenant.id, loaded.details.uid);
    const result: InteractionResults = {
      // remember: false keeps the SSO session for this browser session only (no "keep me signed in" option).
      login: { accountId: user.userId, amr: [...amr], remember: false, ts: Math.floor(Date.now() / 1000) },
    };
    const returnTo = await loaded.provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return reply.redirect(returnTo, 303);
  }

  /**
   * After a password the directory accepted: JIT user, then the MFA decision (none -> finish with ['pwd'];
   * verify -> the challenge page; enrol -> the authenticator set-up), and the password-step log record.
   */
  async function passwordAccepted(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    ctx: AttemptContext,
    checked: Extract<AttemptResult, { locked?: false }>,
  ) {
    const user = await options.users.upsertFromDirectory(loaded.tenant.id, checked.attributes!);
    const decision = options.mfa
      ? await decideMfa(
          options.mfa,
          { tenantId: loaded.tenant.id, userId: user.id },
          protectionSettingsFromTenant(loaded.tenant.settings).mfa,
          checked.attributes?.groups,
        )
      : ({ kind: 'none' } as const);
    await record(
      passwordStepEntry(facts(request, loaded, ctx.username, ctx.correlationId, user.id), {
        outcome: 'ok',
        next: decision.kind === 'verify' ? 'mfa' : decision.kind === 'enrol' ? 'mfa_enrolment' : null,
        agentId: checked.agentId,
        dc: checked.dc,
        timings: checked.timings,
        totalMs: performance.now() - ctx.startedAt,
      }),
    );
    if (decision.kind === 'none') {
      return finishLogin(request, reply, loaded, { userId: user.id, username: ctx.username }, amrFor(null));
    }
    if (decision.kind === 'verify') {
      const state = { stage: 'mfa' as const, username: ctx.username, userId: user.id, methods: decision.methods };
      await states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
      return renderChallenge(reply, loaded, 200, state);
    }
    const state = { stage: 'mfa_enrol' as const, username: ctx.username, userId: user.id };
    await states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
    return renderEnrol(reply, loaded, 200, state);
  }

  /** Acts on the password step's result (shared by login and the re-check after a password change). */
  async function actOnOutcome(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    ctx: AttemptContext,
    checked: AttemptResult,
  ) {
    if (checked.locked) {
      await record(
        passwordStepEntry(
          facts(request, loaded, ctx.username, ctx.correlationId),
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
    if (view.kind === 'finish') return passwordAccepted(request, reply, loaded, ctx, checked);
    await record(
      passwordStepEntry(facts(request, loaded, ctx.username, ctx.correlationId), {
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
        await states.set(loaded.tenant.id, loaded.details.uid, state, loaded.ttlSeconds);
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

  function attemptContext(request: FastifyRequest, loaded: Loaded, username: string, startedAt: number) {
    return { tenant: loaded.tenant, username, ip: request.ip, correlationId: randomUUID(), startedAt };
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  app.get<{ Params: Params; Querystring: { recovery?: string; enrol?: string } }>(
    '/signin/:tenant/:uid',
    async (request, reply) => {
      const loaded = await load(request, reply);
      if (loaded.details.prompt.name === 'consent') {
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
      switch (state?.stage) {
        case 'change_password':
          return renderChange(reply, loaded, 200, state);
        case 'mfa':
          return renderChallenge(reply, loaded, 200, state, { recovery: request.query.recovery === '1' });
        case 'mfa_enrol': {
          if (!options.mfa) break;
          const rp = rpFor(loaded.tenant);
          if (rp && request.query.enrol === 'key') return renderKeyEnrol(reply, loaded, 200, state, rp);
          return renderEnrol(reply, loaded, 200, state);
        }
        case 'mfa_done':
          return renderContinue(reply, loaded);
      }
      const hint = loaded.details.params.login_hint;
      const username = typeof hint === 'string' && hint.length <= 256 && hint.isWellFormed() ? hint : undefined;
      return renderSignIn(reply, loaded, 200, username);
    },
  );

  app.post<{ Params: Params }>('/signin/:tenant/:uid/login', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const startedAt = performance.now();
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    if (loaded.details.prompt.name !== 'login') return reply.redirect(loaded.base, 303);
    const typed = (request.body as { username?: unknown } | undefined)?.username;
    if (await rateLimited(request, reply, loaded, typed)) return reply;
    // A new password step starts over: any pending change or second factor of an earlier attempt is dropped.
    await states.clear(loaded.tenant.id, loaded.details.uid);
    const parsed = signInFormSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const keep = typeof typed === 'string' && typed.length <= 256 && typed.isWellFormed() ? typed : undefined;
      if (keep) await record(passwordStepEntry(facts(request, loaded, keep, randomUUID()), {}));
      return renderSignIn(reply, loaded, 400, keep, { message: firstMessage(parsed.error) });
    }
    const form: SignInForm = parsed.data;
    const ctx = attemptContext(request, loaded, form.username, startedAt);
    // Home-realm discovery: a UPN suffix that is not one of this tenant's verified domains (another tenant's, or
    // nobody's) reads exactly like a wrong password, so the page cannot be used to map domains to tenants.
    if (!loaded.tenant.domains.includes(upnDomain(form.username))) {
      recordAttempt(attemptDeps, ctx, 'invalid_credentials', { reason: 'domain_not_in_tenant' });
      await record(
        passwordStepEntry(facts(request, loaded, ctx.username, ctx.correlationId), {
          outcome: 'invalid_credentials',
          totalMs: performance.now() - startedAt,
        }),
      );
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
      if (state?.stage !== 'change_password') return reply.redirect(loaded.base, 303);
      if (await rateLimited(request, reply, loaded, state.username)) return reply;
      const parsed = changePasswordFormSchema.safeParse(request.body ?? {});
      if (!parsed.success) return renderChange(reply, loaded, 400, state, { message: firstMessage(parsed.error) });
      const form = parsed.data;
      const ctx = attemptContext(request, loaded, state.username, startedAt);
      const changed = await changePassword(attemptDeps, ctx, form.currentPassword, form.newPassword);
      if (changed.locked) return sendTooMany(reply, loaded.tenant, changed.retryAfterSeconds);
      const outcome = changed.outcome;
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
      const checked = await checkPassword(attemptDeps, { ...ctx, correlationId: randomUUID() }, form.newPassword);
      return actOnOutcome(request, reply, loaded, ctx, checked);
    },
  );

  app.post<{ Params: Params }>('/signin/:tenant/:uid/mfa', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const startedAt = performance.now();
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    const state = await states.get(loaded.tenant.id, loaded.details.uid);
    if (state?.stage !== 'mfa' || !options.mfa || !lockout) return reply.redirect(loaded.base, 303);
    if (await rateLimited(request, reply, loaded, state.username)) return reply;
    if ((request.body as { method?: unknown } | undefined)?.method === 'webauthn') {
      return securityKeyStep(request, reply, loaded, state, startedAt);
    }
    const parsed = mfaCodeFormSchema.safeParse(request.body ?? {});
    const method = parsed.success ? parsed.data.method : 'totp';
    const recovery = method === 'recovery_code';
    if (!parsed.success || !state.methods.includes(method)) {
      const message = parsed.success ? 'Use one of the offered ways to verify.' : firstMessage(parsed.error);
      return renderChallenge(reply, loaded, 400, state, { recovery, alert: { message } });
    }
    const correlationId = randomUUID();
    const result = await verifySecondFactor(
      { mfa: options.mfa, lockout },
      {
        tenantId: loaded.tenant.id,
        userId: state.userId,
        username: state.username,
        settings: protectionSettingsFromTenant(loaded.tenant.settings).lockout,
        factor:
          parsed.data.method === 'totp'
            ? { method: 'totp', code: parsed.data.code }
            : { method: 'recovery_code', code: parsed.data.code },
      },
    );
    const stepFacts = facts(request, loaded, state.username, correlationId, state.userId);
    const totalMs = performance.now() - startedAt;
    log.info(
      {
        event: 'sign_in_mfa',
        tenant: loaded.tenant.name,
        username: state.username,
        method,
        ok: result.ok,
        locked: !result.ok && result.locked,
        correlationId,
      },
      'second factor',
    );
    if (result.ok) {
      await record(mfaStepEntry(stepFacts, { method, ok: true, totalMs }));
      return finishLogin(request, reply, loaded, state, result.amr);
    }
    await record(mfaStepEntry(stepFacts, { method, ok: false, locked: result.locked, totalMs }));
    if (result.locked) return sendTooMany(reply, loaded.tenant, result.retryAfterSeconds);
    return renderChallenge(reply, loaded, 200, state, { recovery, alert: { message: WRONG_CODE } });
  });

  app.post<{ Params: Params }>('/signin/:tenant/:uid/mfa-enrol', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const startedAt = performance.now();
    const loaded = await load(request, reply);
    requireCsrf(loaded, request.body);
    const state = await states.get(loaded.tenant.id, loaded.details.uid);
    if (state?.stage !== 'mfa_enrol' || !options.mfa || !lockout) return reply.redirect(loaded.base, 303);
    if (await rateLimited(request, reply, loaded, state.username)) return reply;
    const parsed = mfaCodeFormSchema.safeParse({ method: 'totp', ...(request.body as object) });
    if (!parsed.success) {
      return renderEnrol(reply, loaded, 400, state, { message: firstMessage(parsed.error) });
    }
    const user = { tenantId: loaded.tenant.id, userId: state.userId };
    const settings = protectionSettingsFromTenant(loaded.tenant.settings).lockout;
    const gate = await lockout.beginMfa({ tenantId: user.tenantId, username: state.username, settings });
    if (gate.locked) return sendTooMany(reply, loaded.tenant, gate.retryAfterSeconds);
    let confirmed: Awaited<ReturnType<MfaService['confirmTotpEnrolment']>>;
    try {
      confirmed = await options.mfa.confirmTotpEnrolment({ ...user, code: parsed.data.code });
    } catch (error) {
      gate.abandon();
      if (error instanceof ProtectionError) {
        // The set-up expired (15 minutes): start a new one.
        return renderEnrol(reply, loaded, 200, state, { message: 'The set-up took too long. Scan the new code.' });
      }
      throw error;
    }
    const after = await gate.finish({ ok: confirmed.ok });
    const stepFacts = facts(request, loaded, state.username, randomUUID(), state.userId);
    const totalMs = performance.now() - startedAt;
    await record(mfaStepEntry(stepFacts, { method: 'totp', ok: confirmed.ok, locked: after.locked, totalMs }));
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
    if (!confirmed.recoveryCodes) return finishLogin(request, reply, loaded, state, amr);
    await states.set(
      loaded.tenant.id,
      loaded.details.uid,
      { stage: 'mfa_done', username: state.username, userId: state.userId, amr },
      loaded.ttlSeconds,
    );
    return sendPage(
      reply,
      200,
      recoveryCodesPage({
        tenantDisplayName: loaded.tenant.displayName,
        codes: confirmed.recoveryCodes,
        continueAction: `${loaded.base}/mfa-continue`,
        csrfToken: loaded.token,
      }),
    );
  });

  /** POST .../mfa with method=webauthn: the assertion from the WebAuthn script against this interaction's challenge. */
  async function securityKeyStep(
    request: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    state: Extract<InteractionState, { stage: 'mfa' }>,
    startedAt: number,
  ) {
    const rp = rpFor(loaded.tenant);
    const challenge = state.webauthnChallenge;
    const response = securityKeyResponse.safeParse(request.body ?? {});
    if (!rp || !options.mfa || !lockout || !state.methods.includes('webauthn') || !challenge || !response.success) {
      return renderChallenge(reply, loaded, 400, state, {
        alert: { message: 'The security key answer was not valid. Try again.' },
      });
    }
    // Single use: the challenge leaves the state before the check (renderChallenge issues a new one).
    const { webauthnChallenge: _used, ...rest } = state;
    await states.set(loaded.tenant.id, loaded.details.uid, rest, loaded.ttlSeconds);
    const correlationId = randomUUID();
    const result = await verifySecondFactor(
      { mfa: options.mfa, lockout },
      {
        tenantId: loaded.tenant.id,
        userId: state.userId,
        username: state.username,
        settings: protectionSettingsFromTenant(loaded.tenant.settings).lockout,
        factor: {
          method: 'webauthn',
          response: response.data.response as unknown as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          rp,
        },
      },
    );
    const stepFacts = facts(request, loaded, state.username, correlationId, state.userId);
    const totalMs = performance.now() - startedAt;
    log.info(
      {
        event: 'sign_in_mfa',
        tenant: loaded.tenant.name,
        username: state.username,
        method: 'webauthn',
        ok: result.ok,
        locked: !result.ok && result.locked,
        correlationId,
      },
      'second factor',
    );
    await record(
      mfaStepEntry(stepFacts, { method: 'webauthn', ok: result.ok, locked: !result.ok && result.locked, totalMs }),
    );
    if (result.ok) return finishLogin(request, reply, loaded, state, result.amr);
    if (result.locked) return sendTooMany(reply, loaded.tenant, result.retryAfterSeconds);
    return renderChallenge(reply, loaded, 200, rest, {
      alert: { message: 'That security key was not accepted. Use the key you registered, or another way.' },
    });
  }

  app.post<{ Params: Params }>(
    '/signin/:tenant/:uid/mfa-enrol-key',
    { bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const startedAt = performance.now();
      const loaded = await load(request, reply);
      requireCsrf(loaded, request.body);
      const state = await states.get(loaded.tenant.id, loaded.details.uid);
      const rp = rpFor(loaded.tenant);
      if (state?.stage !== 'mfa_enrol' || !options.mfa || !rp) return reply.redirect(loaded.base, 303);
      if (await rateLimited(request, reply, loaded, state.username)) return reply;
      const challenge = state.webauthnChallenge;
      const response = securityKeyResponse.safeParse(request.body ?? {});
      const { webauthnChallenge: _used, ...rest } = state;
      await states.set(loaded.tenant.id, loaded.details.uid, rest, loaded.ttlSeconds);
      const user = { tenantId: loaded.tenant.id, userId: state.userId };
      const stepFacts = facts(request, loaded, state.username, randomUUID(), state.userId);
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
        await record(
          mfaStepEntry(stepFacts, { method: 'webauthn', ok: false, totalMs: performance.now() - startedAt }),
        );
        return renderKeyEnrol(reply, loaded, 400, rest, rp, {
          message: 'The security key could not be registered. Try again.',
        });
      }
      await options.mfa.addWebAuthnCredential({ ...user, credential, name: 'Security key' });
      await record(mfaStepEntry(stepFacts, { method: 'webauthn', ok: true, totalMs: performance.now() - startedAt }));
      // Recovery codes as for the app: a lost key must not lock the user out for good.
      const codes = await options.mfa.regenerateRecoveryCodes(user);
      const amr = amrFor({ method: 'webauthn', deviceBound: credential.deviceType === 'singleDevice' });
      await states.set(
        loaded.tenant.id,
        loaded.details.uid,
        { stage: 'mfa_done', username: state.username, userId: state.userId, amr },
        loaded.ttlSeconds,
      );
      return sendPage(
        reply,
        200,
        recoveryCodesPage({
          tenantDisplayName: loaded.tenant.displayName,
          codes,
          continueAction: `${loaded.base}/mfa-continue`,
          csrfToken: loaded.token,
        }),
      );
    },
  );

  app.post<{ Params: Params }>(
    '/signin/:tenant/:uid/mfa-continue',
    { bodyLimit: BODY_LIMIT },
    async (request, reply) => {
      const loaded = await load(request, reply);
      requireCsrf(loaded, request.body);
      const state = await states.get(loaded.tenant.id, loaded.details.uid);
      if (state?.stage !== 'mfa_done') return reply.redirect(loaded.base, 303);
      return finishLogin(request, reply, loaded, state, state.amr as AmrValue[]);
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
      { mergeWithLastSubmission: true },
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
