import type { TLSSocket } from 'node:tls';
import type { DirectoryAttributes, EnvelopePublicKey, Outcome, Timings } from '@openpta/protocol';

/** Who is on the other end of a connection, as established from its client certificate. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly tenantId: string;
  /** The agent's registered X25519 envelope key (passwords for this agent are sealed to it). */
  readonly envelopeKey: EnvelopePublicKey;
  /** Domains the agent serves (its routing group's UPN suffixes); undefined = all of the tenant's domains. */
  readonly domains?: ReadonlySet<string> | undefined;
  /** SHA-256 of the client certificate this connection presented (the periodic re-check compares it to the store). */
  readonly certificateFingerprint?: string | undefined;
}

export type AuthenticationResult =
  | { readonly ok: true; readonly identity: AgentIdentity }
  /** `revoked` and `unauthorized` tell the agent not to retry with this certificate (terminal close codes). */
  | { readonly ok: false; readonly code: 'unauthorized' | 'revoked'; readonly reason: string };

/**
 * Checks the client certificate of a new connection (chain to the agent CA, not revoked, not superseded) and maps it
 * to an agent. Provided by the agent PKI (authenticateAgentCertificate); the gateway calls it once per connection.
 */
export type AuthenticateAgent = (socket: TLSSocket) => Promise<AuthenticationResult>;

/** What the cloud sends: one sealed copy per recipient agent; the gateway picks the copy of the agent that takes it. */
export interface ChannelRequest {
  readonly kind: 'validate' | 'change-password';
  readonly envelopes: ReadonlyMap<string, string>;
  readonly expiresAt: number;
  readonly usernameDomain?: string | undefined;
}

/** What comes back: the agent's answer, or an error frame it sent for this request. */
export interface ChannelAnswer {
  readonly kind: 'validate' | 'change-password' | 'error';
  readonly outcome: Outcome;
  readonly attributes?: DirectoryAttributes | undefined;
  readonly dc?: string | undefined;
  readonly timings?: Timings | undefined;
  /** For kind 'error': the agent's error code (e.g. ENVELOPE_EXPIRED). */
  readonly errorCode?: string | undefined;
}

/** Counters flushed to the agents registry (last seen, in flight, served, failed). */
export interface AgentActivity {
  readonly agentId: string;
  readonly tenantId: string;
  readonly lastSeen: number;
  readonly inFlight: number;
  /** Increments since the previous flush. */
  readonly servedDelta: number;
  readonly failedDelta: number;
  readonly connected: boolean;
  /**
   * False when only lastSeen moved since this connection's previous report (an idle connected agent that answered a
   * heartbeat): the registry writes those in a few batched statements instead of one per agent. An idle connection
   * with nothing new at all is not reported.
   */
  readonly changed: boolean;
  readonly remoteAddress?: string | undefined;
  readonly agentVersion?: string | undefined;
  readonly hostname?: string | undefined;
}
