/**
 * findAccount for oidc-provider: the account is the JIT-provisioned user of the tenant (tenants/user-service), keyed
 * by its stable random id, which is the `sub` (never the UPN, which an admin can change). Claims come from the
 * directory attributes saved at the last sign-in; oidc-provider filters them by the granted scopes (see SCOPE_CLAIMS).
 */
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { User, UserService } from '../tenants/index.ts';

/** Standard claims per scope (OpenID Connect Core 5.4) plus `groups`, released only with the `groups` scope. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'preferred_username', 'given_name', 'family_name'],
  email: ['email'],
  groups: ['groups'],
} as const;

export function claimsOf(user: User): Record<string, unknown> {
  const a = user.attributes;
  const claims: Record<string, unknown> = { sub: user.id };
  if (a.upn ?? user.upn) claims.preferred_username = a.upn ?? user.upn;
  if (a.displayName) claims.name = a.displayName;
  if (a.givenName) claims.given_name = a.givenName;
  if (a.sn) claims.family_name = a.sn;
  if (a.mail) claims.email = a.mail;
  claims.groups = a.groups ?? [];
  return claims;
}

export function createFindAccount(tenantId: string, users: Pick<UserService, 'getById'>) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
    const user = await users.getById(tenantId, sub);
    // A deleted user has no account: existing sessions then ask for a new sign-in.
    if (!user) return undefined;
    return {
      accountId: user.id,
      claims: async () => claimsOf(user) as { sub: string },
    };
  };
}
