import { hostname as osHostname } from 'node:os';
import { AGENT_RENEW_PATH, type RenewRequest } from '@openpta/protocol';
import { checkCredentials } from './check-credentials.ts';
import { cloudEndpoint } from './cloud-url.ts';
import { AgentIdentityError } from './errors.ts';
import { postIdentityRequest } from './identity-http.ts';
import type { IdentityState } from './identity-state.ts';
import { newKeyMaterial } from './key-material.ts';
import { loadAgentIdentity } from './load-agent-identity.ts';
import { commitRenewal } from './renewal-journal.ts';
import { readStateFile } from './state-files.ts';

/** How long the previous encryption key still opens envelopes after a renewal (requests sealed just before it). */
export const PREVIOUS_KEY_GRACE_MS = 10 * 60_000;

export interface RenewAgentOptions {
  stateDir: string;
  now?: () => number;
  timeoutMs?: number;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never. */
  proxyUrl?: string | null | undefined;
  previousKeyGraceMs?: number;
}

/**
 * Renews the agent's certificate AND encryption key, authenticated by the current certificate (mutual TLS). The cloud
 * seals new requests to the new key only; the old key is kept PREVIOUS_KEY_GRACE_MS for requests already in flight,
 * then deleted. An expired certificate cannot renew: re-register.
 */
export async function renewAgent(options: RenewAgentOptions): Promise<IdentityState> {
  const now = options.now ?? Date.now;
  const current = loadAgentIdentity(options.stateDir, now());
  if (now() >= current.certificateNotAfter) throw new AgentIdentityError('CERTIFICATE_EXPIRED');
  const keys = await newKeyMaterial(osHostname());
  const body: RenewRequest = { csr: keys.csrPem, encryptionKey: keys.encryption.publicJwk };
  const answer = await postIdentityRequest(cloudEndpoint(current.cloudBaseUrl, AGENT_RENEW_PATH), body, {
    cloudCaPem: current.cloudCaPem,
    cert: current.certificatePem,
    key: current.privateKeyPem,
    timeoutMs: options.timeoutMs,
    proxyUrl: options.proxyUrl,
  });
  const credentials = checkCredentials(answer, keys.tlsKeyPem, keys.encryption.kid);
  if (credentials.agentId !== current.agentId || credentials.tenantId !== current.tenantId) {
    throw new AgentIdentityError('CLOUD_BAD_RESPONSE', 'the renewed certificate names another agent');
  }

  const previousKeyPem = readStateFile(options.stateDir, 'encryptionKey');
  const time = now();
  const state: IdentityState = {
    ...current.state,
    certificateNotBefore: credentials.notBefore,
    certificateNotAfter: credentials.notAfter,
    renewAfter: credentials.renewAfter,
    encryptionKid: credentials.encryptionKid,
    previousEncryptionKid: current.state.encryptionKid,
    previousEncryptionKeyUntil: time + (options.previousKeyGraceMs ?? PREVIOUS_KEY_GRACE_MS),
    renewedAt: time,
  };
  // All five files change together or not at all (renewal-journal.ts).
  return commitRenewal(options.stateDir, {
    tlsKeyPem: keys.tlsKeyPem,
    certificatePem: credentials.certificatePem,
    encryptionKeyPem: keys.encryption.privateKeyPem,
    ...(previousKeyPem === undefined ? {} : { previousEncryptionKeyPem: previousKeyPem }),
    state,
  });
}
