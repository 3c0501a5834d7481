/**
 * Maps a client registered in the tenants service to oidc-provider client metadata (RFC 7591 names). Per-client
 * options live in the client's `settings` JSON (documented in docs/SIGN-IN.md):
 *   tokenEndpointAuthMethod  'client_secret_basic' (default) | 'client_secret_post' | 'private_key_jwt'
 *   jwks                     the client's public JWK Set, for private_key_jwt (RFC 7523)
 *   postLogoutRedirectUris   where RP-initiated logout may return to
 *   firstParty               false = show the consent page; default true (clients are registered by an admin)
 */
import type { AdapterPayload } from 'oidc-provider';
import { z } from 'zod';
import type { OidcClientWithSecret } from '../tenants/index.ts';

const clientSettingsSchema = z.looseObject({
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).optional(),
  postLogoutRedirectUris: z.array(z.string().max(2048)).max(50).optional(),
  firstParty: z.boolean().optional(),
});

export type ClientSettings = z.output<typeof clientSettingsSchema>;

export function clientSettings(client: Pick<OidcClientWithSecret, 'settings'>): ClientSettings {
  const parsed = clientSettingsSchema.safeParse(client.settings ?? {});
  // An unreadable settings object must not widen what the client may do: fall back to the strict defaults.
  return parsed.success ? parsed.data : {};
}

export function isFirstParty(client: Pick<OidcClientWithSecret, 'settings'>): boolean {
  return clientSettings(client).firstParty !== false;
}

export function toProviderClient(client: OidcClientWithSecret): AdapterPayload {
  const settings = clientSettings(client);
  const method = client.public ? 'none' : (settings.tokenEndpointAuthMethod ?? 'client_secret_basic');
  const metadata: AdapterPayload = {
    client_id: client.clientId,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: settings.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: method,
    // The ID token always carries auth_time (OpenID Connect Core 2, 5.5.1.1): relying parties use it for max_age.
    require_auth_time: true,
  };
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    metadata.client_secret = client.clientSecret;
  }
  if (method === 'private_key_jwt') metadata.jwks = settings.jwks;
  return metadata;
}
