export {
  type ClientService,
  type CreateClientInput,
  createClientInputSchema,
  createClientService,
  type OidcClient,
  type OidcClientWithSecret,
} from './client-service.ts';
export {
  type ClientSettings,
  type ClientSettingsInput,
  clientSettingsInputSchema,
  clientSettingsSchema,
  readClientSettings,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from './client-settings.ts';
export { loadOrCreateDataKey } from './data-key.ts';
export { issuerFor, TENANT_PATH_PREFIX } from './issuer.ts';
export { createSecretBox, type SecretBox } from './secret-box.ts';
export {
  type CreateTenantInput,
  createTenantInputSchema,
  createTenantService,
  type Tenant,
  type TenantService,
} from './tenant-service.ts';
export { createUserService, type User, type UserService } from './user-service.ts';
export { domainSchema, redirectUriSchema, tenantNameSchema } from './validation.ts';
