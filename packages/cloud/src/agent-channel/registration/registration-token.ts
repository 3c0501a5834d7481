import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatRegistrationToken, parseRegistrationTokenParts, type RegistrationTokenParts } from '@openpta/protocol';
import { randomUrlSafeId } from '../../random-id.ts';
import { AgentIdentityError } from '../pki/errors.ts';

/**
 * Cloud side of registration tokens (format in @openpta/protocol registration-token.ts). The secret has 256 bits of
 * entropy, so a fast hash is enough (no password stretching); only the hash is stored, compared in constant time.
 */
export function newRegistrationToken(caPin: string): { token: string; id: string; secretHash: string } {
  const id = randomUrlSafeId(16);
  const secret = randomBytes(32).toString('base64url');
  return { token: formatRegistrationToken({ id, secret, caPin }), id, secretHash: hashTokenSecret(secret) };
}

/** Throws AgentIdentityError TOKEN_MALFORMED. */
export function parseRegistrationToken(token: string): RegistrationTokenParts {
  const parts = parseRegistrationTokenParts(token);
  if (!parts) throw new AgentIdentityError('TOKEN_MALFORMED');
  return parts;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of the presented secret's hash with the stored hash (both fixed-length digests). */
export function tokenSecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashTokenSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}
