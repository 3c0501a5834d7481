import { createHash, randomInt } from 'node:crypto';

/**
 * Single-use recovery codes: 10 per user, each 16 characters from a 32-symbol alphabet without look-alikes
 * (80 bits of entropy), shown once as XXXX-XXXX-XXXX-XXXX. Only a SHA-256 hash is stored: with 80 random bits a slow
 * password hash adds nothing, and the user id in the hash input keeps equal codes of two users apart.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LENGTH = 16;

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    let raw = '';
    for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(raw.match(/.{4}/g)!.join('-'));
  }
  return [...codes];
}

/** Upper-cases and drops spaces and dashes, so a code typed as `abcd efgh ...` matches. Null if it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : null;
}

export function hashRecoveryCode(userId: string, normalizedCode: string): string {
  return createHash('sha256').update(`openpta-recovery:${userId}:${normalizedCode}`).digest('base64url');
}
