/**
 * Routes one decoded request to its handler. Critical controls this server does not implement are refused first
 * (RFC 4511 4.1.11: unavailableCriticalExtension); well-formed operations the trial directory does not perform get
 * unwillingToPerform in their own response type.
 */
import type { LdapMessage } from '../ldap/index.ts';
import { encodeResult, OID, RESPONSE_TAG, RESULT } from '../ldap/index.ts';
import { handleBind } from './bind.ts';
import { handleExtended } from './extended.ts';
import { handleModify } from './modify.ts';
import { handleSearch } from './search.ts';
import type { OperationContext, OperationResult } from './types.ts';

const SUPPORTED_CONTROLS = new Set<string>([OID.pagedResults]);

const NO_RESPONSE: OperationResult = { responses: [] };

export function dispatch(message: LdapMessage, ctx: OperationContext, canStartTls: boolean): OperationResult {
  const { request } = message;
  const responseTag = responseTagOf(request.op);
  const unsupportedCritical = message.controls.find((c) => c.critical && !SUPPORTED_CONTROLS.has(c.type));
  if (unsupportedCritical && responseTag !== undefined) {
    return {
      responses: [
        {
          protocolOp: encodeResult(responseTag, {
            code: RESULT.unavailableCriticalExtension,
            message: `Critical control ${unsupportedCritical.type} is not supported.`,
          }),
        },
      ],
    };
  }
  switch (request.op) {
    case 'bind':
      return handleBind(request, ctx);
    case 'search':
      return handleSearch(request, ctx);
    case 'modify':
      return handleModify(request, ctx);
    case 'extended':
      return handleExtended(request, ctx, canStartTls);
    case 'unbind':
      return { responses: [], afterwards: 'close' };
    case 'abandon':
      // RFC 4511 4.11: no response. Operations here complete synchronously, so there is nothing left to abandon.
      return NO_RESPONSE;
    case 'add':
    case 'delete':
    case 'modifyDn':
    case 'compare':
      return {
        responses: [
          {
            protocolOp: encodeResult(RESPONSE_TAG[request.op], {
              code: RESULT.unwillingToPerform,
              message: `The trial directory does not perform ${request.op} operations.`,
            }),
          },
        ],
      };
  }
}

function responseTagOf(op: LdapMessage['request']['op']): number | undefined {
  switch (op) {
    case 'unbind':
    case 'abandon':
      return undefined;
    case 'search':
      return RESPONSE_TAG.searchDone;
    default:
      return RESPONSE_TAG[op];
  }
}
