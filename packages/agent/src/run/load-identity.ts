/**
 * The runtime's view of the state directory (packages/agent/src/identity loadAgentIdentity): certificate and keys are
 * re-read when needed, so a renewal (new certificate, new encryption key) is picked up on the next reconnect or the
 * first request sealed to the new key, without a restart.
 */
import type { KeyObject } from 'node:crypto';
import { loadAgentIdentity } from '../identity/load-agent-identity.ts';
import type { AgentRunIdentity } from './runtime.ts';

export function loadRunIdentity(stateDir: string): AgentRunIdentity {
  let identity = loadAgentIdentity(stateDir);
  const reload = () => {
    identity = loadAgentIdentity(stateDir);
    return identity;
  };
  return {
    agentId: identity.agentId,
    tenantId: identity.tenantId,
    cloudUrl: identity.cloudUrl,
    certificatePem: identity.certificatePem,
    privateKeyPem: identity.privateKeyPem,
    cloudCaPem: identity.cloudCaPem,
    stateDir,
    envelopeKeys: (kid: string): KeyObject | undefined =>
      identity.envelopeKeys.get(kid) ?? reload().envelopeKeys.get(kid),
    credentials: () => {
      const fresh = reload();
      return { cert: fresh.certificatePem, key: fresh.privateKeyPem };
    },
  };
}
