/** A real relying party (openid-client 6) against the harness, plus the HTTP-level sign-in steps. */
import * as oidc from 'openid-client';
import { formAction, HttpSession, hiddenValue, type PageResponse } from './http-session.ts';
import type { Harness } from './oidc-harness.ts';
import { REDIRECT_URI } from './oidc-harness.ts';

export async function discoverRp(
  h: Harness,
  clientId: string,
  clientSecret?: string,
  auth?: oidc.ClientAuth,
): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(h.tenant.issuer), clientId, clientSecret, auth, {
    [oidc.customFetch]: h.fetch as unknown as oidc.CustomFetch,
  });
  return config;
}

export interface PendingAuthorization {
  readonly url: URL;
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function authorizationRequest(
  config: oidc.Configuration,
  options: { scope?: string; prompt?: string; redirectUri?: string; pkce?: boolean; loginHint?: string } = {},
): Promise<PendingAuthorization> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri ?? REDIRECT_URI,
    scope: options.scope ?? 'openid profile email',
    state,
    nonce,
  };
  if (options.pkce !== false) {
    params.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  if (options.prompt) params.prompt = options.prompt;
  if (options.loginHint) params.login_hint = options.loginHint;
  return { url: oidc.buildAuthorizationUrl(config, params), codeVerifier, state, nonce };
}

/** Redeems the code in `callback` with the checks of `pending` (PKCE verifier, state, nonce). */
export function redeemCode(
  config: oidc.Configuration,
  callback: URL,
  pending: PendingAuthorization,
): ReturnType<typeof oidc.authorizationCodeGrant> {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
}

/** Opens the authorization URL and follows it to the sign-in page. */
export async function openSignIn(h: Harness, session: HttpSession, url: URL): Promise<PageResponse> {
  return session.follow(url.href, h.baseUrl);
}

/** Posts the sign-in form of `page`; follows redirects on our origin; returns the last response. */
export async function submitSignIn(
  h: Harness,
  session: HttpSession,
  page: PageResponse,
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<PageResponse> {
  const action = new URL(formAction(page.body, '/login'), h.baseUrl).href;
  const csrf = hiddenValue(page.body, 'csrf');
  return session.follow(action, h.baseUrl, { form: { csrf, username, password, ...extra } });
}

/** Full sign-in over HTTP; returns the redirect back to the RP (callback URL with code). */
export async function signIn(
  h: Harness,
  config: oidc.Configuration,
  username: string,
  password: string,
  options: Parameters<typeof authorizationRequest>[1] = {},
): Promise<{ pending: PendingAuthorization; callback: URL; session: HttpSession }> {
  const session = new HttpSession(h.fetch);
  const pending = await authorizationRequest(config, options);
  const page = await openSignIn(h, session, pending.url);
  const done = await submitSignIn(h, session, page, username, password);
  if (!done.location || done.status !== 303) {
    throw new Error(`sign-in did not redirect to the RP: ${done.status} ${done.body.slice(0, 500)}`);
  }
  return { pending, callback: new URL(done.location), session };
}

export { HttpSession };
