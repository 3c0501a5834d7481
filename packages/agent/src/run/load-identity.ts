/**
 * Reads what `openpta agent register` left in the state directory (packages/agent/src/identity) into what the
 * runtime needs. The certificate and key are re-read before every connection, so a renewal done by another process
 * (or the renewal loop) is used on the next reconnect without a restart.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { identityStateSchema } from '../identity/identity-state.ts';
import { readStateFile } from '../identity/state-files.ts';
import type { AgentRunIdentity } from './runtime.ts';

/** The connect URL on the cloud's HTTPS port (gateway AGENT_CONNECT_PATH). */
export function connectUrlFor(cloudUrl: string): string {
  const url = new URL(cloudUrl);
  url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/agent/v1/connect`;
  url.search = '';
  return url.toString();
}

function required(stateDir: string, file: Parameters<typeof readStateFile>[1]): string {
  const text = readStateFile(stateDir, file);
  if (text === undefined) {
    throw new Error(
      `the state directory ${stateDir} has no ${file} file: register this agent first (openpta agent register --state-dir ${stateDir} ...)`,
    );
  }
  return text;
}

export function loadRunIdentity(
  stateDir: string,
): AgentRunIdentity & { readonly credentials: () => { cert: string; key: string } } {
  let raw: unknown;
  try {
    raw = JSON.parse(required(stateDir, 'identity'));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new Error(`${stateDir}/identity.json is not valid JSON: re-register the agent`);
    throw error;
  }
  const parsed = identityStateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${stateDir}/identity.json is invalid: re-register the agent`);
  const state = parsed.data;
  const keys = new Map<string, KeyObject>();
  keys.set(state.encryptionKid, createPrivateKey(required(stateDir, 'encryptionKey')));
  const previous = readStateFile(stateDir, 'previousEncryptionKey');
  if (previous !== undefined && state.previousEncryptionKid !== undefined) {
    keys.set(state.previousEncryptionKid, createPrivateKey(previous));
  }
  const credentials = () => ({ cert: required(stateDir, 'certificate'), key: required(stateDir, 'tlsKey') });
  const { cert, key } = credentials();
  return {
    agentId: state.agentId,
    tenantId: state.tenantId,
    cloudUrl: connectUrlFor(state.cloudUrl),
    certificatePem: cert,
    privateKeyPem: key,
    cloudCaPem: readStateFile(stateDir, 'cloudCa'),
    envelopeKeys: keys,
    credentials,
  };
}
