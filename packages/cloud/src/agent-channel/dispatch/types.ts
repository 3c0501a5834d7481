/**
 * The dispatcher's vocabulary. The dispatcher is transport-agnostic: it never sees a socket or a plaintext password,
 * only opaque payloads (frames carrying ciphertext) and the agents' credit grants.
 */

/** One live connection of one agent, as the gateway presents it to the dispatcher. */
export interface AgentLink<P> {
  readonly agentId: string;
  readonly tenantId: string;
  /**
   * Domains (UPN suffixes, lower case) this agent serves, from its routing group; undefined = every domain of the
   * tenant (an agent in no group serves all domains unless the tenant restricts it: see docs/PROTOCOL.md).
   */
  readonly domains?: ReadonlySet<string> | undefined;
  /**
   * Hands one request to the agent. Called only while the agent has credit. Returns false when the connection can no
   * longer carry it (closing): the request is then not taken, and the dispatcher treats the connection as gone.
   */
  send(requestId: string, payload: P): boolean;
}

/** What the dispatcher needs to place a request. */
export interface DispatchRequest<P> {
  readonly requestId: string;
  readonly tenantId: string;
  /**
   * Agents whose keys the payload is encrypted to: only they may receive it. Chosen by the caller from
   * eligibleAgents() before encrypting, so a request is never sent to an agent that cannot decrypt it. Only `has` is
   * used, so the caller may pass a Set or the Map of its envelopes by agent id (no extra Set per sign-in).
   */
  readonly recipients: { has(agentId: string): boolean };
  readonly payload: P;
  /** Overall budget from enqueue to answer; defaults to the dispatcher's timeoutMs. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * How a request ended, from the dispatcher's point of view. The credential verifier maps these to outcomes:
 * answered -> the agent's outcome; no_agent -> agent_unavailable; timeout -> directory_timeout;
 * agent_lost -> directory_error (the agent took it and vanished: it may have bound already, so never retry).
 */
export type DispatchResult<R> =
  | { readonly status: 'answered'; readonly agentId: string; readonly result: R; readonly queuedMs: number }
  | { readonly status: 'no_agent' }
  | { readonly status: 'timeout'; readonly taken: boolean; readonly agentId?: string }
  | { readonly status: 'agent_lost'; readonly agentId: string }
  | { readonly status: 'aborted' }
  | { readonly status: 'closed' };

/** Why an answer from an agent was refused (each is logged; none reaches the waiting sign-in). */
export type AnswerRejection =
  // No such request was sent to anyone (forged, replayed after its answer, or never existed).
  | 'unknown_request'
  // The request exists but was handed to another connection: answers are bound to the connection that took it.
  | 'wrong_connection'
  // The request was handed to this connection but already ended (timed out or aborted) before the answer came.
  | 'late';

/** A connected agent as seen by eligibleAgents(): enough to choose recipients and their keys. */
export interface ConnectedAgent {
  readonly agentId: string;
  readonly connectionId: string;
  readonly credits: number;
  readonly inFlight: number;
}

/** Live counters of one connection (flushed to the agents registry by the gateway). */
export interface ConnectionStats {
  readonly agentId: string;
  readonly connectionId: string;
  readonly tenantId: string;
  readonly credits: number;
  readonly inFlight: number;
  readonly served: number;
  readonly failed: number;
  readonly lastSeen: number;
}
