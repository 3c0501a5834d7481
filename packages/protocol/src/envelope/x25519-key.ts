import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ProtocolError } from '../errors.ts';

/**
 * The agent's encryption key: X25519 (RFC 7748) as an OKP JWK (RFC 8037). The private half never leaves the agent's
 * state directory; the public half is registered with the cloud and identified by its RFC 7638 thumbprint (`kid`).
 */
export const envelopePublicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('X25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string().max(128).optional(),
  use: z.literal('enc').optional(),
  alg: z.literal('ECDH-ES').optional(),
});

export type EnvelopePublicJwk = z.infer<typeof envelopePublicJwkSchema>;

/** An imported public key, ready to seal to (import once, seal many times). */
export type EnvelopePublicKey = { kid: string; keyObject: KeyObject; jwk: EnvelopePublicJwk };

/** DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410 section 4); the 32-byte key follows. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function envelopeKeyThumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"X25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

/** Builds a KeyObject from a raw 32-byte X25519 public key. */
export function x25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Builds a KeyObject from the base64url `x` of an OKP JWK (measured twice as fast as the DER import on Node 24). */
export function x25519PublicKeyFromX(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

/** The raw 32-byte public key of an X25519 KeyObject. */
export function x25519RawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
}

/** Validates and imports a public JWK. Throws ProtocolError ENVELOPE_BAD_KEY (an admin/registration input error). */
export function importEnvelopePublicKey(jwk: unknown): EnvelopePublicKey {
  const parsed = envelopePublicJwkSchema.safeParse(jwk);
  if (!parsed.success) throw new ProtocolError('ENVELOPE_BAD_KEY');
  const raw = Buffer.from(parsed.data.x, 'base64url');
  if (raw.length !== 32) throw new ProtocolError('ENVELOPE_BAD_KEY');
  const kid = envelopeKeyThumbprint(parsed.data.x);
  if (parsed.data.kid !== undefined && parsed.data.kid !== kid) {
    throw new ProtocolError('ENVELOPE_BAD_KEY', 'kid is not the RFC 7638 thumbprint of the key');
  }
  return { kid, keyObject: x25519PublicKeyFromRaw(raw), jwk: { ...parsed.data, kid, use: 'enc', alg: 'ECDH-ES' } };
}

export type EnvelopeKeyPair = { kid: string; publicJwk: EnvelopePublicJwk; privateKey: KeyObject };

/** Creates a new encryption key pair (agent side, at registration and at every renewal). */
export function generateEnvelopeKeyPair(): EnvelopeKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const x = x25519RawPublicKey(publicKey).toString('base64url');
  const kid = envelopeKeyThumbprint(x);
  return { kid, publicJwk: { kty: 'OKP', crv: 'X25519', x, kid, use: 'enc', alg: 'ECDH-ES' }, privateKey };
}
