import { randomBytes } from 'node:crypto';

/**
 * A random, URL-safe identifier (base64url of `bytes` random bytes) that never starts with '-'. Operators pass these
 * ids as command-line arguments (`openpta admin agent-token revoke <id>`), and an argument starting with '-' is taken
 * for an option. Redrawing (probability 1/64 per draw) keeps the full entropy of the remaining alphabet.
 */
export function randomUrlSafeId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
