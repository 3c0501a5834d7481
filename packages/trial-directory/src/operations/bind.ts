/** BindRequest (RFC 4511 4.2): simple binds with AD's answers; SASL is not offered by the trial directory. */
import { authenticateSimple } from '../directory/authenticate.ts';
import type { LdapRequest } from '../ldap/index.ts';
import { encodeResult, RESPONSE_TAG, RESULT } from '../ldap/index.ts';
import type { OperationContext, OperationResult } from './types.ts';

export function handleBind(request: Extract<LdapRequest, { op: 'bind' }>, ctx: OperationContext): OperationResult {
  const { session, logger } = ctx;
  // RFC 4513 4: a bind (even a failed one) first returns the connection to the anonymous state.
  session.user = undefined;
  session.anonymousBind = false;
  if (request.version !== 3) {
    return reply(RESULT.protocolError, 'Only LDAP version 3 is supported.');
  }
  if (request.auth.type === 'sasl') {
    return reply(
      RESULT.authMethodNotSupported,
      `SASL mechanism ${request.auth.mechanism} is not supported by the trial directory.`,
    );
  }
  const outcome = authenticateSimple(ctx.directory, ctx.policy, request.name, request.auth.password, session.secure);
  if (outcome.ok) {
    session.user = outcome.user;
    session.anonymousBind = outcome.user === undefined;
    logger.info({ event: 'bind', bindName: request.name, result: outcome.user ? 'success' : 'anonymous' }, 'bind');
    return reply(RESULT.success, '');
  }
  // Never the password: only the name and the AD sub-code are logged.
  logger.info({ event: 'bind', bindName: request.name, resultCode: outcome.code, data: outcome.data }, 'bind refused');
  return reply(outcome.code, outcome.message);
}

function reply(code: (typeof RESULT)[keyof typeof RESULT], message: string): OperationResult {
  return { responses: [{ protocolOp: encodeResult(RESPONSE_TAG.bind, { code, message }) }] };
}
