/**
 * WebSocket close codes used by either side. 4000-4999 is the range RFC 6455 section 7.4.2 leaves to applications.
 * The reason text is for logs; act on the code.
 */
export const CLOSE_CODES = {
  /** RFC 6455: normal closure (e.g. after draining). */
  normal: 1000,
  /** RFC 6455: the endpoint is going away (process shutdown). */
  goingAway: 1001,
  /** A frame failed parseFrame or broke the protocol (no hello first, request without credit...). Do not retry as is. */
  protocolError: 4000,
  /** No protocol version in common: upgrade the agent. */
  unsupportedVersion: 4001,
  /** The client certificate was refused (unknown, expired, wrong CA). Re-register the agent. */
  unauthorized: 4002,
  /** The agent was revoked by an administrator. Never reconnect with this identity. */
  revoked: 4003,
  /** No pong within two heartbeat intervals. Reconnect. */
  heartbeatTimeout: 4008,
  /** The node is draining (after a reconnect frame). Reconnect, elsewhere if possible. */
  draining: 4010,
  /** The agent was renewed: this connection uses the superseded certificate. Reconnect with the new one. */
  superseded: 4011,
} as const;

export type CloseCodeName = keyof typeof CLOSE_CODES;

/** Close codes after which the agent must not reconnect with the same identity. */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.unauthorized,
  CLOSE_CODES.revoked,
  CLOSE_CODES.unsupportedVersion,
]);
