/**
 * A renewal replaces five files of the state directory (TLS key, certificate, encryption key, previous encryption key,
 * identity.json). Each is written atomically, but not the five together: a crash (or a reader) between two of them
 * would see a new key with the old certificate, or identity.json naming a key id the key file does not hold, and the
 * agent could not start without re-registering. So the renewal first writes everything it will change into ONE file,
 * renewal-pending.json (atomically: that write is the commit point), then writes the five files, then removes the
 * journal. Whoever loads the state directory and finds a journal applies it first (roll forward): applying is
 * idempotent, so a loader racing the renewer writes the same content.
 */
import { z } from 'zod';
import { AgentIdentityError } from './errors.ts';
import { type IdentityState, identityStateSchema } from './identity-state.ts';
import { readStateFile, removeStateFile, statePath, writeStateFile } from './state-files.ts';

const journalSchema = z.strictObject({
  tlsKeyPem: z.string().min(1),
  certificatePem: z.string().min(1),
  encryptionKeyPem: z.string().min(1),
  /** The encryption key being replaced, kept as the previous key; absent if there was none. */
  previousEncryptionKeyPem: z.string().min(1).optional(),
  state: identityStateSchema,
});

export type RenewalJournal = z.infer<typeof journalSchema>;

/** Commits a renewal: after this returns, the new identity is what every later load sees. */
export function commitRenewal(stateDir: string, journal: RenewalJournal): IdentityState {
  writeStateFile(stateDir, 'pendingRenewal', JSON.stringify(journal));
  applyRenewal(stateDir, journal);
  return journal.state;
}

/** Applies a journal left by a renewal that did not finish (crash) or is finishing now (another process). */
export function finishPendingRenewal(stateDir: string): void {
  const raw = readStateFile(stateDir, 'pendingRenewal');
  if (raw === undefined) return;
  let journal: RenewalJournal;
  try {
    journal = journalSchema.parse(JSON.parse(raw));
  } catch {
    // Written atomically, so a bad journal was not written by us: do not act on it, do not delete evidence.
    throw new AgentIdentityError(
      'STATE_DIR_INVALID',
      `${statePath(stateDir, 'pendingRenewal')} is not a valid renewal journal: move it away and re-register`,
    );
  }
  applyRenewal(stateDir, journal);
}

function applyRenewal(stateDir: string, journal: RenewalJournal): void {
  if (journal.previousEncryptionKeyPem !== undefined) {
    writeStateFile(stateDir, 'previousEncryptionKey', journal.previousEncryptionKeyPem);
  }
  writeStateFile(stateDir, 'tlsKey', journal.tlsKeyPem);
  writeStateFile(stateDir, 'certificate', journal.certificatePem);
  writeStateFile(stateDir, 'encryptionKey', journal.encryptionKeyPem);
  writeStateFile(stateDir, 'identity', `${JSON.stringify(journal.state, null, 2)}\n`);
  removeStateFile(stateDir, 'pendingRenewal');
}
