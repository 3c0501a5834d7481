/** ExtendedRequest (RFC 4511 4.12): StartTLS (RFC 4511 4.14) and Who am I? (RFC 4532). */

import type { LdapRequest, ResultCode } from '../ldap/index.ts';
import { encodeExtendedResponse, OID, RESULT } from '../ldap/index.ts';
import type { OperationContext, OperationResult } from './types.ts';

export function handleExtended(
  request: Extract<LdapRequest, { op: 'extended' }>,
  ctx: OperationContext,
  canStartTls: boolean,
): OperationResult {
  if (request.name === OID.startTls) {
    // RFC 4511 4.14.1: refuse when TLS is already established (operationsError) or the server cannot start it now.
    if (ctx.session.secure)
      return reply(RESULT.operationsError, 'TLS is already established on this connection.', OID.startTls);
    if (!canStartTls)
      return reply(RESULT.operationsError, 'Other operations are outstanding on this connection.', OID.startTls);
    return { ...reply(RESULT.success, '', OID.startTls), afterwards: 'startTls' };
  }
  if (request.name === OID.whoAmI) {
    const user = ctx.session.user;
    const authzId = user ? `u:${ctx.directory.names.netbiosDomain}\\${user.sam}` : '';
    return {
      responses: [{ protocolOp: encodeExtendedResponse({ code: RESULT.success }, undefined, Buffer.from(authzId)) }],
    };
  }
  // RFC 4511 4.12: an unrecognised requestName gets protocolError.
  return reply(RESULT.protocolError, `Extended operation ${request.name} is not supported.`);
}

function reply(code: ResultCode, message: string, name?: string): OperationResult {
  return { responses: [{ protocolOp: encodeExtendedResponse({ code, message }, name) }] };
}
