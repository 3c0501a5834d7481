import { hostname as osHostname } from 'node:os';
import { AGENT_REGISTER_PATH, parseRegistrationTokenParts, type RegisterRequest } from '@openpta/protocol';
import { checkCredentials } from './check-credentials.ts';
import { checkCloudCaFile, fetchPinnedCloudCa } from './cloud-trust.ts';
import { cloudEndpoint, parseCloudUrl } from './cloud-url.ts';
import { AgentIdentityError } from './errors.ts';
import { postIdentityRequest } from './identity-http.ts';
import type { IdentityState } from './identity-state.ts';
import { newKeyMaterial } from './key-material.ts';
import { ensureStateDir, readStateFile, writeStateFile } from './state-files.ts';

export interface RegisterAgentOptions {
  /** https://host[:port] of the cloud. */
  cloudUrl: string;
  token: string;
  stateDir: string;
  /** PEM of the cloud's CA, when the server does not send it in its chain; must match the token's pin. */
  cloudCaPem?: string | undefined;
  /** The tenant the operator means to join (name or id): a token of another tenant is refused by the cloud. */
  tenant?: string | undefined;
  name?: string | undefined;
  hostname?: string | undefined;
  agentVersion: string;
  timeoutMs?: number | undefined;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never. */
  proxyUrl?: string | null | undefined;
  now?: () => number;
}

/**
 * `openpta agent register`: pins the cloud's CA from the token, creates the agent's keys in the state directory, and
 * exchanges the single-use token and a CSR for a client certificate. Returns the new identity state.
 */
export async function registerAgent(options: RegisterAgentOptions): Promise<IdentityState> {
  const token = parseRegistrationTokenParts(options.token);
  if (!token) throw new AgentIdentityError('TOKEN_MALFORMED');
  const cloudUrl = parseCloudUrl(options.cloudUrl);
  if (readStateFile(options.stateDir, 'identity') !== undefined) {
    throw new AgentIdentityError('ALREADY_REGISTERED', options.stateDir);
  }
  const now = options.now ?? Date.now;

  // Trust first, before anything (even the token) is sent.
  const cloudCaPem =
    options.cloudCaPem !== undefined
      ? checkCloudCaFile(options.cloudCaPem, token.caPin)
      : await fetchPinnedCloudCa(cloudUrl, token.caPin, { timeoutMs: options.timeoutMs, proxyUrl: options.proxyUrl });

  const hostname = options.hostname ?? osHostname();
  const keys = await newKeyMaterial(hostname);
  const body: RegisterRequest = {
    token: options.token.trim(),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    csr: keys.csrPem,
    encryptionKey: keys.encryption.publicJwk,
    hostname,
    agentVersion: options.agentVersion,
    ...(options.name ? { name: options.name } : {}),
  };
  const answer = await postIdentityRequest(cloudEndpoint(cloudUrl, AGENT_REGISTER_PATH), body, {
    cloudCaPem,
    timeoutMs: options.timeoutMs,
    proxyUrl: options.proxyUrl,
  });
  const credentials = checkCredentials(answer, keys.tlsKeyPem, keys.encryption.kid);

  ensureStateDir(options.stateDir);
  writeStateFile(options.stateDir, 'tlsKey', keys.tlsKeyPem);
  writeStateFile(options.stateDir, 'encryptionKey', keys.encryption.privateKeyPem);
  writeStateFile(options.stateDir, 'certificate', credentials.certificatePem);
  writeStateFile(options.stateDir, 'cloudCa', cloudCaPem);
  const state: IdentityState = {
    version: 1,
    agentId: credentials.agentId,
    tenantId: credentials.tenantId,
    cloudUrl: cloudUrl.toString().replace(/\/+$/, ''),
    certificateNotBefore: credentials.notBefore,
    certificateNotAfter: credentials.notAfter,
    renewAfter: credentials.renewAfter,
    encryptionKid: credentials.encryptionKid,
    registeredAt: now(),
  };
  // Written last: a directory without identity.json is not registered, whatever else it holds.
  writeStateFile(options.stateDir, 'identity', `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
