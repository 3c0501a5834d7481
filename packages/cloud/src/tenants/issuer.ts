/**
 * A tenant's OIDC issuer URL: `${publicUrl}/t/${name}`. Every place that builds or parses an issuer uses this one
 * helper so discovery, tokens and routing agree (OpenID Connect Discovery 1.0 section 4.3: the issuer in metadata must
 * equal the URL the metadata was fetched from, minus /.well-known/openid-configuration).
 */
export const TENANT_PATH_PREFIX = '/t';

export function issuerFor(publicUrl: string, tenant: { name: string }): string {
  return `${publicUrl.replace(/\/+$/, '')}${TENANT_PATH_PREFIX}/${tenant.name}`;
}
