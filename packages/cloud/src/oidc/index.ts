export { claimsOf, SCOPE_CLAIMS } from './account.ts';
export { clientSettings, isFirstParty, toProviderClient } from './client-metadata.ts';
export { createPayloadAdapter, startPayloadSweep, sweepExpiredPayloads } from './payload-adapter.ts';
export { type OidcPluginOptions, oidcPlugin } from './plugin.ts';
export { interactionPath, MAX_SIGNED_TTL_SECONDS, TOKEN_TTL } from './provider-config.ts';
export { createProviderRegistry, type ProviderRegistry, type ProviderRegistryOptions } from './provider-registry.ts';
export {
  ensureSigningKeys,
  loadSigningJwks,
  type RotationResult,
  rotateSigningKeyInStore,
  SIGNING_ALG,
} from './signing-keys.ts';
