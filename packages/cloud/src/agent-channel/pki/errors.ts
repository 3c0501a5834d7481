import { CloudError, type CloudErrorCode } from '../../errors.ts';

/**
 * Stable codes for agent identity failures (registration, renewal, certificate authentication). Sent to agents as
 * `{ error: <http code>, message, reason: <code> }` and written to logs; the message tells the operator what to do.
 */
export const AGENT_IDENTITY_ERRORS = {
  TOKEN_MALFORMED: [
    'unauthorized',
    'the registration token is malformed: copy it whole from `openpta admin agent-token create`',
  ],
  TOKEN_INVALID: [
    'unauthorized',
    'the registration token is not valid: create a new one with `openpta admin agent-token create`',
  ],
  TOKEN_EXPIRED: [
    'unauthorized',
    'the registration token has expired: create a new one with `openpta admin agent-token create`',
  ],
  TOKEN_REVOKED: [
    'unauthorized',
    'the registration token was revoked by an administrator: create a new one with `openpta admin agent-token create`',
  ],
  TOKEN_USED: ['unauthorized', 'the registration token was already used (tokens are single-use): create a new one'],
  TOKEN_WRONG_TENANT: ['forbidden', 'the registration token belongs to another tenant: create one for this tenant'],
  CSR_INVALID: [
    'invalid_request',
    'the certificate signing request is invalid (PEM PKCS#10, EC P-256, signed by its key)',
  ],
  ENCRYPTION_KEY_INVALID: ['invalid_request', 'the encryption key is not an X25519 public JWK'],
  CERT_MISSING: ['unauthorized', 'no client certificate was presented: renew with the agent certificate (mutual TLS)'],
  CERT_INVALID: [
    'unauthorized',
    'the client certificate was not issued by this tenant agent CA: re-register the agent',
  ],
  CERT_EXPIRED: ['unauthorized', 'the agent certificate has expired: re-register the agent with a new token'],
  CERT_SUPERSEDED: ['unauthorized', 'the agent certificate was replaced by a renewal: use the current certificate'],
  AGENT_UNKNOWN: ['unauthorized', 'the agent is not registered: re-register it with a new token'],
  AGENT_REVOKED: ['forbidden', 'the agent was revoked by an administrator: register a new agent if this was intended'],
} as const satisfies Record<string, readonly [CloudErrorCode, string]>;

export type AgentIdentityErrorCode = keyof typeof AGENT_IDENTITY_ERRORS;

export class AgentIdentityError extends CloudError {
  readonly reason: AgentIdentityErrorCode;
  constructor(reason: AgentIdentityErrorCode, detail?: string) {
    const [code, message] = AGENT_IDENTITY_ERRORS[reason];
    super(code, detail ? `${message} (${detail})` : message, { reason });
    this.name = 'AgentIdentityError';
    this.reason = reason;
  }
}
