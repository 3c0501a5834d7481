import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * The agent's state directory (mode 0700). Every file is written atomically (temp file, fsync, rename) with mode
 * 0600: the private keys never leave it, and nothing in it is world-readable.
 */
export const STATE_FILES = {
  /** identity.json: agent id, tenant, cloud URL, certificate dates, key ids (no secrets). */
  identity: 'identity.json',
  /** TLS client private key (EC P-256, PKCS#8 PEM). */
  tlsKey: 'agent-key.pem',
  /** TLS client certificate issued by the tenant's agent CA. */
  certificate: 'agent-cert.pem',
  /** The CA of the cloud's TLS certificate, pinned at registration; trusted for every later connection. */
  cloudCa: 'cloud-ca.pem',
  /** X25519 private key that opens password envelopes (PKCS#8 PEM). */
  encryptionKey: 'encryption-key.pem',
  /** The previous encryption key, kept briefly after a renewal for requests sealed before it. */
  previousEncryptionKey: 'encryption-key.previous.pem',
  /** A renewal being applied (renewal-journal.ts): new keys, certificate and identity in one atomic write. */
  pendingRenewal: 'renewal-pending.json',
} as const;

export type StateFile = keyof typeof STATE_FILES;

export function statePath(stateDir: string, file: StateFile): string {
  return join(stateDir, STATE_FILES[file]);
}

export function ensureStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
}

export function writeStateFile(stateDir: string, file: StateFile, content: string): void {
  const target = statePath(stateDir, file);
  const temp = `${target}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, target);
}

export function readStateFile(stateDir: string, file: StateFile): string | undefined {
  try {
    return readFileSync(statePath(stateDir, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function removeStateFile(stateDir: string, file: StateFile): void {
  rmSync(statePath(stateDir, file), { force: true });
}
