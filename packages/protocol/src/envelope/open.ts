import { createDecipheriv, diffieHellman, type KeyObject } from 'node:crypto';
import { failure, type ProtocolFailure } from '../errors.ts';
import { ENVELOPE_TYP, type EnvelopeClaims, type EnvelopePurpose, envelopeClaimsSchema } from './claims.ts';
import { concatKdfA256Gcm } from './concat-kdf.ts';
import { fastEnvelopeClaims } from './fast-claims.ts';
import type { EnvelopeKeyCache } from './key-cache.ts';
import type { ReplayCache } from './replay-cache.ts';
import { x25519PublicKeyFromX } from './x25519-key.ts';

export type OpenEnvelopeOptions = {
  /** The agent's private encryption keys by kid: the current one, and the previous one during a renewal's grace time. */
  keys: ReadonlyMap<string, KeyObject> | ((kid: string) => KeyObject | undefined);
  /** What the envelope must be bound to. `requestId` is the id of the frame that carried it. */
  expect: { tenantId: string; audience: string; purpose: EnvelopePurpose; requestId?: string };
  /**
   * Caches content keys by (kid, ephemeral key), so copies from a cloud sealer that reuses its ephemeral key skip the
   * X25519 agreement. Only keys derived by a successful agreement are cached; every copy is still authenticated.
   */
  keyCache?: EnvelopeKeyCache;
  /** Remembers opened request ids; without it replays are not detected (tests of other checks only). */
  replayCache?: ReplayCache;
  now?: number;
  /** Tolerated clock difference between cloud and agent. Default 5 s. */
  clockSkewMs?: number;
};

export type OpenEnvelopeResult = { ok: true; claims: EnvelopeClaims; kid: string } | ProtocolFailure;

const PART = /^[A-Za-z0-9_-]+$/;
const X25519_X = /^[A-Za-z0-9_-]{43}$/;

type Header = {
  alg?: unknown;
  enc?: unknown;
  typ?: unknown;
  kid?: unknown;
  epk?: unknown;
  crit?: unknown;
  zip?: unknown;
};

/**
 * A protected header that passed every header check, with what they read from it, and its content key cache key
 * (built once per header: a new string per envelope would be hashed again on every lookup).
 */
type CheckedHeader = { part: string; kid: string; x: string; aad: Buffer; cacheKey: string };

/**
 * The last header that passed: a cloud sealer uses one header text for thousands of copies (createEnvelopeSealer), so
 * most envelopes skip decoding and re-checking it. The result depends on the text alone, and the text is still
 * authenticated (AES-GCM AAD) for every copy.
 */
let lastHeader: CheckedHeader | undefined;

function checkHeader(headerPart: string): CheckedHeader | ProtocolFailure {
  if (!PART.test(headerPart)) return failure('ENVELOPE_MALFORMED');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Header;
  } catch {
    return failure('ENVELOPE_MALFORMED', 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null) return failure('ENVELOPE_MALFORMED', 'header');
  if (header.alg !== 'ECDH-ES' || header.enc !== 'A256GCM') return failure('ENVELOPE_MALFORMED', 'algorithms');
  if (header.typ !== ENVELOPE_TYP) return failure('ENVELOPE_MALFORMED', 'typ');
  // RFC 7516 section 4.1.13: unknown critical extensions must be refused; we understand none. No compression either.
  if (header.crit !== undefined || header.zip !== undefined) return failure('ENVELOPE_MALFORMED', 'crit/zip');
  const epk = header.epk as { kty?: unknown; crv?: unknown; x?: unknown } | undefined;
  if (
    typeof epk !== 'object' ||
    epk === null ||
    epk.kty !== 'OKP' ||
    epk.crv !== 'X25519' ||
    typeof epk.x !== 'string' ||
    !X25519_X.test(epk.x)
  ) {
    return failure('ENVELOPE_MALFORMED', 'epk');
  }
  if (typeof header.kid !== 'string') return failure('ENVELOPE_MALFORMED', 'kid');
  // RFC 7516 section 5.2 step 14: the AAD is the ASCII of the encoded protected header.
  return {
    part: headerPart,
    kid: header.kid,
    x: epk.x,
    aad: Buffer.from(headerPart, 'ascii'),
    cacheKey: `${header.kid}.${epk.x}`,
  };
}

/**
 * Opens an envelope made by sealEnvelope (or any JOSE library using the same algorithms) and checks its binding.
 * Never throws. The checks run in this order: shape and algorithms (no algorithm other than ECDH-ES/A256GCM is ever
 * tried: RFC 8725 section 3.1), key, authenticated decryption, claims schema, purpose, tenant, audience, request id,
 * time, and last the replay cache, so only envelopes that passed every other check occupy it.
 */
export function openEnvelope(compact: string, options: OpenEnvelopeOptions): OpenEnvelopeResult {
  if (typeof compact !== 'string' || compact.length > 16_384) return failure('ENVELOPE_MALFORMED');
  const parts = compact.split('.');
  if (parts.length !== 5) return failure('ENVELOPE_MALFORMED', 'expected 5 parts');
  const [headerPart, encryptedKey, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string, string];
  // Direct key agreement: the encrypted key part must be empty (RFC 7518 section 4.6).
  if (encryptedKey !== '' || !PART.test(ivPart) || !PART.test(tagPart)) return failure('ENVELOPE_MALFORMED');
  if (ciphertextPart !== '' && !PART.test(ciphertextPart)) return failure('ENVELOPE_MALFORMED');
  const header = headerPart === lastHeader?.part ? lastHeader : checkHeader(headerPart);
  if (!('kid' in header)) return header;
  lastHeader = header;
  const { kid, x } = header;

  const privateKey = typeof options.keys === 'function' ? options.keys(kid) : options.keys.get(kid);
  if (!privateKey) return failure('ENVELOPE_UNKNOWN_KEY');

  const iv = Buffer.from(ivPart, 'base64url');
  const tag = Buffer.from(tagPart, 'base64url');
  if (iv.length !== 12 || tag.length !== 16) return failure('ENVELOPE_MALFORMED', 'iv/tag length');

  let plaintext: string;
  try {
    const cacheKey = header.cacheKey;
    let cek: Buffer | KeyObject | undefined = options.keyCache?.keyObject(cacheKey);
    if (!cek) {
      const sharedSecret = diffieHellman({ privateKey, publicKey: x25519PublicKeyFromX(x) });
      // RFC 7748 section 6.1: an all-zero shared secret means a low-order public key; refuse it.
      if (sharedSecret.every((byte) => byte === 0)) return failure('ENVELOPE_DECRYPT_FAILED');
      const derived = concatKdfA256Gcm(sharedSecret);
      sharedSecret.fill(0);
      options.keyCache?.set(cacheKey, derived);
      cek = options.keyCache?.keyObject(cacheKey) ?? derived;
    }
    const decipher = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
    decipher.setAAD(header.aad);
    decipher.setAuthTag(tag);
    // AES-GCM is a stream mode: update() returns all of the plaintext; final() checks the tag (and throws if wrong).
    const buffer = decipher.update(Buffer.from(ciphertextPart, 'base64url'));
    decipher.final();
    if (!options.keyCache && Buffer.isBuffer(cek)) cek.fill(0);
    plaintext = buffer.toString('utf8');
    buffer.fill(0);
  } catch {
    return failure('ENVELOPE_DECRYPT_FAILED');
  }

  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    return failure('ENVELOPE_CLAIMS_INVALID');
  }
  let claims = fastEnvelopeClaims(value);
  if (claims === undefined) {
    const parsed = envelopeClaimsSchema.safeParse(value);
    // Never echo the issue details: they may quote a password.
    if (!parsed.success) return failure('ENVELOPE_CLAIMS_INVALID');
    claims = parsed.data;
  }

  const { expect } = options;
  if (claims.purpose !== expect.purpose) return failure('ENVELOPE_WRONG_PURPOSE');
  if (claims.tenantId !== expect.tenantId) return failure('ENVELOPE_WRONG_TENANT');
  if (claims.audience !== expect.audience) return failure('ENVELOPE_WRONG_AUDIENCE');
  if (expect.requestId !== undefined && claims.requestId !== expect.requestId) return failure('ENVELOPE_WRONG_REQUEST');

  const now = options.now ?? Date.now();
  const skew = options.clockSkewMs ?? 5000;
  if (now > claims.expiresAt + skew) return failure('ENVELOPE_EXPIRED');
  if (claims.issuedAt > now + skew) return failure('ENVELOPE_NOT_YET_VALID');

  if (
    options.replayCache &&
    !options.replayCache.remember(`${claims.tenantId}/${claims.requestId}`, claims.expiresAt + skew, now)
  ) {
    return failure('ENVELOPE_REPLAYED');
  }
  return { ok: true, claims, kid: header.kid };
}
