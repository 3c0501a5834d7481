export { decodeFilter, MAX_FILTER_DEPTH } from './decode-filter.ts';
export { decodeMessage } from './decode-request.ts';
export type { EntryAttribute, LdapResult, ResponseControl } from './encode-response.ts';
export {
  encodeExtendedResponse,
  encodeMessage,
  encodeNoticeOfDisconnection,
  encodeResult,
  encodeSearchEntry,
} from './encode-response.ts';
export { nextPduLength } from './framing.ts';
export type {
  Control,
  Filter,
  LdapMessage,
  LdapRequest,
  Modification,
  OperationName,
  SearchScope,
} from './messages.ts';
export { OID, REQUEST_TAG, RESPONSE_TAG } from './operations.ts';
export type { ResultCode } from './result-codes.ts';
export { RESULT } from './result-codes.ts';
