/**
 * Maps a client registered in the tenants service to oidc-provider client metadata (RFC 7591 names). Per-client
 * options live in the client's `settings` JSON: tenants/client-settings.ts defines and documents them.
 */
import type { AdapterPayload } from 'oidc-provider';
import { type ClientSettings, type OidcClientWithSecret, readClientSettings } from '../tenants/index.ts';

export type { ClientSettings };

export function clientSettings(client: Pick<OidcClientWithSecret, 'settings'>): ClientSettings {
  return readClientSettings(client.settings);
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
