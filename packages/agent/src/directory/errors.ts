/**
 * The agent's error registry: every error the agent raises carries one of these stable codes, so callers branch on
 * `code`, never on message text. Messages are for operators and never contain a password.
 */
export const AGENT_ERROR_CODES = {
  /** The configuration file or environment is invalid; the message names every wrong field. */
  CONFIG_INVALID: 'ERR_AGENT_CONFIG_INVALID',
  /** A secret (service account password) could not be read from its file or environment variable. */
  SECRET_UNREADABLE: 'ERR_AGENT_SECRET_UNREADABLE',
  /** TCP connect to a DC failed (refused, unreachable, reset) or did not finish within the connect timeout. */
  DC_UNREACHABLE: 'ERR_AGENT_DC_UNREACHABLE',
  /** The TLS handshake failed: unknown CA, wrong host name, pin mismatch, protocol error. */
  DC_TLS: 'ERR_AGENT_DC_TLS',
  /** An LDAP operation got no answer within the operation timeout. */
  DC_TIMEOUT: 'ERR_AGENT_DC_TIMEOUT',
  /** The connection broke or the DC answered something the agent cannot use. */
  DC_PROTOCOL: 'ERR_AGENT_DC_PROTOCOL',
  /** The service account could not bind: its password or DN in the configuration is wrong. */
  SERVICE_ACCOUNT: 'ERR_AGENT_SERVICE_ACCOUNT',
  /** The validator was closed. */
  CLOSED: 'ERR_AGENT_CLOSED',
} as const;

export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[keyof typeof AGENT_ERROR_CODES];

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/**
 * A failure of the transport to one DC. `beforeCredentials` is true when it happened before any password left the
 * agent (connect, TLS handshake, StartTLS, service-account search): only then may the attempt move to the next DC,
 * because a bind that was sent may have been counted by the DC (one user bind per attempt).
 */
export class DirectoryTransportError extends AgentError {
  readonly dc: string;
  readonly beforeCredentials: boolean;
  constructor(
    code: AgentErrorCode,
    dc: string,
    message: string,
    beforeCredentials: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'DirectoryTransportError';
    this.dc = dc;
    this.beforeCredentials = beforeCredentials;
  }
}
