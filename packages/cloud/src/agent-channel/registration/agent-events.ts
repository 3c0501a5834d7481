import { EventEmitter } from 'node:events';
import type { EnvelopePublicKey } from '@openpta/protocol';

export interface AgentRevokedEvent {
  agentId: string;
  tenantId: string;
  actor: string;
}

export interface AgentRenewedEvent {
  agentId: string;
  tenantId: string;
  /** The new encryption key id: seal new requests to it only. */
  encryptionKid: string;
  /** The new encryption key itself (the gateway re-keys the agent's live connections with it). */
  encryptionKey: EnvelopePublicKey;
  /** The certificate that no longer authenticates (connections using it should be drained). */
  previousFingerprint: string;
}

/**
 * In-process notifications from the agent registry. The gateway listens to `revoked` to disconnect the agent at once
 * (close code CLOSE_CODES.revoked) and to `renewed` to drain connections that use the superseded certificate. Other
 * cloud nodes learn of a revocation through authenticateAgentCertificate, which every new connection goes through.
 */
export class AgentEvents {
  readonly #emitter = new EventEmitter();

  onRevoked(listener: (event: AgentRevokedEvent) => void): () => void {
    this.#emitter.on('revoked', listener);
    return () => this.#emitter.off('revoked', listener);
  }

  onRenewed(listener: (event: AgentRenewedEvent) => void): () => void {
    this.#emitter.on('renewed', listener);
    return () => this.#emitter.off('renewed', listener);
  }

  emitRevoked(event: AgentRevokedEvent): void {
    this.#emitter.emit('revoked', event);
  }

  emitRenewed(event: AgentRenewedEvent): void {
    this.#emitter.emit('renewed', event);
  }
}
