export { type DirectoryAttributes, directoryAttributesSchema } from './directory-attributes.ts';
export * from './envelope/index.ts';
export {
  failure,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolFailure,
} from './errors.ts';
export * from './frames/index.ts';
export {
  ACCOUNT_STATE_OUTCOMES,
  INFRASTRUCTURE_FAILURES,
  isOutcome,
  OUTCOMES,
  type Outcome,
  PASSWORD_PROVEN,
} from './outcome.ts';
export * from './registration/index.ts';
export * from './transport/index.ts';
export {
  CREDITS_IN_ANSWERS_VERSION,
  negotiateProtocolVersion,
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from './version.ts';
