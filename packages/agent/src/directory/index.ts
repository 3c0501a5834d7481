export type { UserAttributes } from './attributes.ts';
export { DcSet, orderSrv, type SrvLookup } from './dc-set.ts';
export type { DcEndpoint } from './endpoint.ts';
export { AGENT_ERROR_CODES, AgentError, type AgentErrorCode, DirectoryTransportError } from './errors.ts';
export { escapeFilterValue, nestedGroupsFilter, userFilter } from './filter.ts';
export { guidToString } from './guid.ts';
export { checkInput, type InputCheck, type LoginTarget, MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from './input.ts';
export { createAgentLogger, type Logger, REDACT_PATHS } from './logger.ts';
export { adSubCode, outcomeFromBindError, outcomeFromPasswordChangeError } from './outcome-map.ts';
export {
  createDirectoryValidator,
  type DcHealth,
  type DirectoryHealth,
  type DirectoryValidator,
  type PasswordChangeResult,
  type ValidationResult,
  type ValidatorOptions,
} from './validator.ts';
