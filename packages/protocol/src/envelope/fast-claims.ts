import { epochMs, plainObject, text } from '../frames/fast-checks.ts';
import type { EnvelopeClaims } from './claims.ts';

/**
 * The envelope claims exactly as envelopeClaimsSchema would return them, when they plainly satisfy it; else undefined
 * and the caller asks zod (the schema stays the contract; see frames/fast-checks.ts for why and how this is tested).
 */
export function fastEnvelopeClaims(value: unknown): EnvelopeClaims | undefined {
  if (!plainObject(value)) return undefined;
  const { v, requestId, tenantId, audience, issuedAt, expiresAt, username, purpose } = value;
  if (v !== 1 || !text(requestId, 1, 128) || !text(tenantId, 1, 256) || !text(audience, 1, 256)) return undefined;
  if (!epochMs(issuedAt) || !epochMs(expiresAt) || !text(username, 1, 1024)) return undefined;
  if (purpose === 'validate') {
    const password = value.password;
    if (!text(password, 1, 1024)) return undefined;
    return { v, requestId, tenantId, audience, issuedAt, expiresAt, username, purpose, password };
  }
  if (purpose === 'change-password') {
    const { oldPassword, newPassword } = value;
    if (!text(oldPassword, 1, 1024) || !text(newPassword, 1, 1024)) return undefined;
    return { v, requestId, tenantId, audience, issuedAt, expiresAt, username, purpose, oldPassword, newPassword };
  }
  return undefined;
}
