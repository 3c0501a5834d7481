/**
 * The oidc-provider configuration of one tenant. Secure defaults: no dev interactions, authorization code flow
 * only, PKCE required for public clients (S256 is the only method oidc-provider 9 accepts, RFC 7636 4.2 / RFC 9700
 * 2.1.1), refresh tokens rotated for public clients, signed cookies, per-tenant cookie names (tenants share a host).
 */
import type { Kysely } from 'kysely';
import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider';
import { logoutPage, logoutSuccessPage, providerErrorPage } from '../sign-in/pages/index.ts';
import type { Database } from '../store/schema.ts';
import type { ClientService, Tenant, UserService } from '../tenants/index.ts';
import { createFindAccount, SCOPE_CLAIMS } from './account.ts';
import { isFirstParty, toProviderClient } from './client-metadata.ts';
import { createPayloadAdapter } from './payload-adapter.ts';
import type { PrivateSigningJwk } from './signing-keys.ts';

/** Lifetimes in seconds. The ID token is the longest-lived signed artefact; see MAX_SIGNED_TTL_SECONDS. */
export const TOKEN_TTL = {
  AccessToken: 60 * 60,
  AuthorizationCode: 60,
  IdToken: 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
  Interaction: 30 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
} as const;

/** How long a retired signing key stays in the JWKS: every token it signed has expired by then. */
export const MAX_SIGNED_TTL_SECONDS = Math.max(TOKEN_TTL.IdToken, TOKEN_TTL.AccessToken);

/** Where oidc-provider sends the browser for the login/consent prompt: outside the provider's own prefix. */
export function interactionPath(tenantName: string, uid: string): string {
  return `/signin/${tenantName}/${uid}`;
}

export interface TenantProviderDeps {
  readonly db: Kysely<Database>;
  readonly clients: Pick<ClientService, 'getWithSecret'>;
  readonly users: Pick<UserService, 'getById'>;
  /** Keys for oidc-provider's signed cookies (keygrip: the first signs, all verify; rotate by prepending). */
  readonly cookieKeys: readonly string[];
}

export function buildProviderConfiguration(
  tenant: Tenant,
  jwks: { keys: PrivateSigningJwk[] },
  deps: TenantProviderDeps,
): Configuration {
  const clientFor = async (clientId: string) => {
    const client = await deps.clients.getWithSecret(clientId);
    // A client of another tenant does not exist for this issuer.
    return client && client.tenantId === tenant.id ? client : undefined;
  };
  const cookiePrefix = `openpta_${tenant.name.replaceAll('-', '_')}`;

  return {
    adapter: createPayloadAdapter({
      db: deps.db,
      tenantId: tenant.id,
      clients: async (clientId) => {
        const client = await clientFor(clientId);
        return client ? toProviderClient(client) : undefined;
      },
    }),
    jwks: jwks as Configuration['jwks'],
    findAccount: createFindAccount(tenant.id, deps.users),
    // amr rides on the openid scope so every ID token says how the user authenticated (RFC 8176 'pwd').
    claims: { ...SCOPE_CLAIMS, openid: ['sub', 'amr'] } as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    // Claims of the granted scopes go into the ID token too, not only userinfo (relying parties read them there).
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    cookies: {
      keys: [...deps.cookieKeys],
      names: {
        session: `${cookiePrefix}_session`,
        interaction: `${cookiePrefix}_interaction`,
        resume: `${cookiePrefix}_resume`,
      },
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form, tenant.displayName);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = logoutSuccessPage(tenant.displayName);
        },
      },
    },
    interactions: { url: (_ctx, interaction) => interactionPath(tenant.name, interaction.uid) },
    // Refresh tokens for every client registered with the refresh_token grant, not only on `offline_access`
    // (which oidc-provider drops unless prompt=consent, OpenID Connect Core 11).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    loadExistingGrant: async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
      const client = ctx.oidc.client!;
      const session = ctx.oidc.session!;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      const registered = await clientFor(client.clientId);
      if (!registered || !isFirstParty(registered)) return grant;
      // First-party clients skip consent: grant exactly what this request asks for (openid-connect scopes and
      // requested claims), so later requests with more scopes do not stop at a consent page either.
      const scopes = [...ctx.oidc.requestParamOIDCScopes];
      const claims = [...ctx.oidc.requestParamClaims];
      if (grant) {
        // An SSO sign-in that asks for nothing new reuses the grant as it is (no write).
        const granted = new Set(grant.getOIDCScope().split(' '));
        const grantedClaims = new Set(grant.getOIDCClaims());
        if (scopes.every((s) => granted.has(s)) && claims.every((c) => grantedClaims.has(c))) return grant;
      }
      grant ??= new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
      grant.addOIDCScope(scopes);
      if (claims.length > 0) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = providerErrorPage(out, tenant.displayName);
    },
    ttl: { ...TOKEN_TTL },
    clientBasedCORS: (ctx, origin, client) => {
      // CORS only for browser-based clients calling userinfo/token from one of their own redirect origins.
      if (origin === 'null') return false;
      if (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') {
        return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
      }
      return false;
    },
  };
}
