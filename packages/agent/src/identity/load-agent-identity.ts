import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { connectUrl } from './cloud-url.ts';
import { AgentIdentityError } from './errors.ts';
import { type IdentityState, identityStateSchema } from './identity-state.ts';
import { finishPendingRenewal } from './renewal-journal.ts';
import { readStateFile, removeStateFile, type StateFile, statePath } from './state-files.ts';

/** Everything `openpta agent run` needs from the state directory (shape of run/runtime.ts AgentRunIdentity). */
export interface AgentIdentity {
  readonly state: IdentityState;
  readonly agentId: string;
  readonly tenantId: string;
  /** wss://host/agent/v1/connect */
  readonly cloudUrl: string;
  /** https://host: the identity API base. */
  readonly cloudBaseUrl: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly cloudCaPem: string;
  /** Current encryption key, plus the previous one until its grace time ends (after a renewal). */
  readonly envelopeKeys: ReadonlyMap<string, KeyObject>;
  readonly certificateNotAfter: number;
  readonly renewAfter: number;
}

const PRIVATE_FILES: StateFile[] = ['tlsKey', 'encryptionKey', 'previousEncryptionKey', 'pendingRenewal'];
/** Reads of a state directory that a renewal changed underneath (another process): tried again, this many times. */
const READ_ATTEMPTS = 3;

/**
 * Loads and checks the state directory: identity.json valid, certificate matches the TLS key, private key files not
 * readable by others (like ssh, refuse rather than use exposed keys). Drops the previous encryption key once its
 * grace time has passed. Throws AgentIdentityError STATE_DIR_INVALID with what is wrong.
 */
export function loadAgentIdentity(stateDir: string, now: number = Date.now()): AgentIdentity {
  for (let attempt = 1; ; attempt++) {
    try {
      // A renewal that crashed half-way, or is being written by the running agent, is completed first.
      finishPendingRenewal(stateDir);
      return loadOnce(stateDir, now);
    } catch (error) {
      // A mismatch can be a renewal that landed between two of our reads: read again (reading is cheap and
      // changes nothing, so a directory that is really wrong just fails the same way READ_ATTEMPTS times).
      if (!(error instanceof AgentIdentityError) || attempt >= READ_ATTEMPTS) throw error;
    }
  }
}

function loadOnce(stateDir: string, now: number): AgentIdentity {
  const raw = readStateFile(stateDir, 'identity');
  if (raw === undefined)
    throw new AgentIdentityError('STATE_DIR_INVALID', `${stateDir} holds no identity.json: register first`);
  let state: IdentityState;
  try {
    state = identityStateSchema.parse(JSON.parse(raw));
  } catch {
    throw new AgentIdentityError('STATE_DIR_INVALID', 'identity.json is not valid');
  }
  for (const file of PRIVATE_FILES) {
    try {
      const mode = statSync(statePath(stateDir, file)).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new AgentIdentityError(
          'STATE_DIR_INVALID',
          `${statePath(stateDir, file)} has mode ${mode.toString(8)}: chmod 600 it`,
        );
      }
    } catch (error) {
      if (error instanceof AgentIdentityError) throw error;
    }
  }
  const privateKeyPem = required(stateDir, 'tlsKey');
  const certificatePem = required(stateDir, 'certificate');
  const cloudCaPem = required(stateDir, 'cloudCa');
  try {
    if (!new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem)))
      throw new Error('mismatch');
  } catch {
    throw new AgentIdentityError('STATE_DIR_INVALID', 'agent-cert.pem does not match agent-key.pem');
  }

  const envelopeKeys = new Map<string, KeyObject>();
  envelopeKeys.set(state.encryptionKid, createPrivateKey(required(stateDir, 'encryptionKey')));
  if (state.previousEncryptionKid && state.previousEncryptionKeyUntil !== undefined) {
    const previous = readStateFile(stateDir, 'previousEncryptionKey');
    if (previous !== undefined && now < state.previousEncryptionKeyUntil) {
      envelopeKeys.set(state.previousEncryptionKid, createPrivateKey(previous));
    } else {
      removeStateFile(stateDir, 'previousEncryptionKey');
    }
  }
  return {
    state,
    agentId: state.agentId,
    tenantId: state.tenantId,
    cloudUrl: connectUrl(state.cloudUrl),
    cloudBaseUrl: state.cloudUrl,
    certificatePem,
    privateKeyPem,
    cloudCaPem,
    envelopeKeys,
    certificateNotAfter: state.certificateNotAfter,
    renewAfter: state.renewAfter,
  };
}

function required(stateDir: string, file: StateFile): string {
  const content = readStateFile(stateDir, file);
  if (content === undefined)
    throw new AgentIdentityError('STATE_DIR_INVALID', `${statePath(stateDir, file)} is missing`);
  return content;
}
