/**
 * ModifyRequest (RFC 4511 4.6). The only modify an ordinary AD account may make is a password CHANGE of unicodePwd
 * (delete old + add new); everything else is insufficientAccessRights, as AD answers a non-admin. Order of checks
 * follows AD: a bound user first, then an encrypted connection, then the change itself.
 */
import { BIND_REQUIRED, INSUFFICIENT_ACCESS, noSuchObjectMessage, WILL_NOT_PERFORM } from '../directory/ad-messages.ts';
import { changePassword, isPasswordChange } from '../directory/change-password.ts';
import { normalizeDn } from '../directory/dn.ts';
import type { LdapRequest, ResultCode } from '../ldap/index.ts';
import { encodeResult, RESPONSE_TAG, RESULT } from '../ldap/index.ts';
import type { OperationContext, OperationResult } from './types.ts';

export function handleModify(request: Extract<LdapRequest, { op: 'modify' }>, ctx: OperationContext): OperationResult {
  const { session, logger } = ctx;
  if (!session.user) return reply(RESULT.operationsError, BIND_REQUIRED);
  const key = normalizeDn(request.object);
  if (key === undefined)
    return reply(
      RESULT.invalidDnSyntax,
      `0000208F: NameErr: DSID-03100225, problem 2006 (BAD_NAME), data 8350, best match of:\n\t'${request.object}'\n`,
    );
  const target = ctx.directory.get(key);
  if (!target) return reply(RESULT.noSuchObject, noSuchObjectMessage(ctx.directory.names.baseDn));
  const touchesPassword = request.changes.some((c) => c.type.toLowerCase() === 'unicodepwd');
  if (!touchesPassword || target.kind !== 'user') return reply(RESULT.insufficientAccessRights, INSUFFICIENT_ACCESS);
  // MS-ADTS 3.1.1.3.1.5: unicodePwd may only be written over an encrypted connection.
  if (!session.secure) return reply(RESULT.unwillingToPerform, WILL_NOT_PERFORM);
  // A replace is an administrative password RESET, which an ordinary account may not do.
  if (!isPasswordChange(request.changes)) return reply(RESULT.insufficientAccessRights, INSUFFICIENT_ACCESS);
  const outcome = changePassword(target, request.changes, ctx.policy);
  logger.info(
    { event: 'passwordChange', target: target.dn, by: session.user.dn, result: outcome.ok ? 'success' : outcome.code },
    'password change',
  );
  return outcome.ok ? reply(RESULT.success, '') : reply(outcome.code, outcome.message);
}

function reply(code: ResultCode, message: string): OperationResult {
  return { responses: [{ protocolOp: encodeResult(RESPONSE_TAG.modify, { code, message }) }] };
}
