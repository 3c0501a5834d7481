/** Stable codes of agent identity failures (registration, renewal, state directory), each with what to do next. */
export const IDENTITY_ERRORS = {
  TOKEN_MALFORMED: 'the registration token is malformed: copy it whole from `openpta admin agent-token create`',
  CLOUD_URL_INVALID: 'the cloud URL must be https://host[:port]',
  CLOUD_UNREACHABLE: 'cannot reach the cloud: check the URL, DNS, firewall and proxy',
  CLOUD_PIN_MISMATCH:
    'the cloud presented no certificate matching the CA pinned in the token: refusing to send anything (wrong URL, TLS-inspecting proxy, or an impostor)',
  CLOUD_CA_FILE_MISMATCH:
    'the --cloud-ca file is not the CA pinned in the token: pass the right file or omit --cloud-ca',
  CLOUD_REFUSED: 'the cloud refused the request',
  CLOUD_BAD_RESPONSE: 'the cloud answered with something that is not a valid certificate response',
  STATE_DIR_INVALID: 'the state directory is missing or damaged: re-register the agent',
  ALREADY_REGISTERED: 'the state directory already holds a registered agent: use another directory or delete it first',
  CERTIFICATE_EXPIRED: 'the agent certificate has expired: re-register the agent with a new token',
} as const;

export type IdentityErrorCode = keyof typeof IDENTITY_ERRORS;

export class AgentIdentityError extends Error {
  readonly code: IdentityErrorCode;
  /** The cloud's stable reason code when it refused (e.g. TOKEN_EXPIRED, AGENT_REVOKED). */
  readonly reason: string | undefined;
  readonly status: number | undefined;
  constructor(code: IdentityErrorCode, detail?: string, extra: { reason?: string; status?: number } = {}) {
    super(detail ? `${IDENTITY_ERRORS[code]}: ${detail}` : IDENTITY_ERRORS[code]);
    this.name = 'AgentIdentityError';
    this.code = code;
    this.reason = extra.reason;
    this.status = extra.status;
  }
}
