import { type EnvelopePublicKey, importEnvelopePublicKey, ProtocolError } from '@openpta/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { AgentCaStore } from '../pki/agent-ca.ts';
import { AgentIdentityError } from '../pki/errors.ts';
import type { AgentEvents } from './agent-events.ts';
import type { AgentIdentitySettings } from './defaults.ts';
import type { AgentCredentials } from './registry-types.ts';

/** What the registry's operations share. */
export interface RegistryContext {
  db: Kysely<Database>;
  cas: AgentCaStore;
  settings: AgentIdentitySettings;
  events: AgentEvents;
  now: () => number;
}

/** The agent's X25519 public JWK, or AgentIdentityError ENCRYPTION_KEY_INVALID. */
export function parseEncryptionKey(jwk: unknown): EnvelopePublicKey {
  try {
    return importEnvelopePublicKey(jwk);
  } catch (error) {
    if (error instanceof ProtocolError) throw new AgentIdentityError('ENCRYPTION_KEY_INVALID');
    throw error;
  }
}

export function credentialsFor(
  ctx: RegistryContext,
  agent: { id: string; tenant_id: string },
  issued: { pem: string; notBefore: number; notAfter: number },
  issuedAt: number,
  caPem: string,
  encryptionKid: string,
): AgentCredentials {
  return {
    agentId: agent.id,
    tenantId: agent.tenant_id,
    certificatePem: issued.pem,
    agentCaPem: caPem,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    // From the issue time, not notBefore (which is backdated for clock skew).
    renewAfter: Math.round(issuedAt + (issued.notAfter - issuedAt) * ctx.settings.renewAtFraction),
    encryptionKid,
  };
}
