export {
  AGENT_CONNECT_PATH,
  AGENT_REGISTER_PATH,
  AGENT_RENEW_PATH,
  type AgentCredentialsResponse,
  agentCredentialsSchema,
  identityErrorSchema,
  type RegisterRequest,
  type RenewRequest,
  registerRequestSchema,
  renewRequestSchema,
} from './identity-api.ts';
export {
  formatRegistrationToken,
  parseRegistrationTokenParts,
  REGISTRATION_TOKEN_PREFIX,
  type RegistrationTokenParts,
} from './registration-token.ts';
