/**
 * CSRF tokens bound to one OIDC interaction: HMAC-SHA256(key, tenant id + interaction uid). Stateless (nothing to
 * store or expire: the token dies with the interaction) and useless for any other interaction. The interaction
 * cookie (SameSite=Lax) is a second, independent check: oidc-provider refuses a uid that does not match it.
 * Comparison is constant-time (timingSafeEqual on equal-length digests).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Csrf {
  tokenFor(tenantId: string, uid: string): string;
  verify(tenantId: string, uid: string, presented: unknown): boolean;
}

export function createCsrf(key: Uint8Array): Csrf {
  if (key.byteLength < 32) throw new Error('CSRF key must be at least 32 bytes');
  const mac = (tenantId: string, uid: string) =>
    createHmac('sha256', key).update(`openpta-csrf\0${tenantId}\0${uid}`).digest();
  return {
    tokenFor: (tenantId, uid) => mac(tenantId, uid).toString('base64url'),
    verify(tenantId, uid, presented) {
      if (typeof presented !== 'string' || presented.length > 64) return false;
      const expected = mac(tenantId, uid);
      const given = Buffer.from(presented, 'base64url');
      // Length check first: timingSafeEqual throws on unequal lengths; the length of a MAC is not secret.
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
