import {
  createCipheriv,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomFillSync,
} from 'node:crypto';
import { ProtocolError } from '../errors.ts';
import {
  ENVELOPE_TYP,
  type EnvelopeBinding,
  type EnvelopeClaims,
  type EnvelopeSecret,
  envelopeClaimsSchema,
} from './claims.ts';
import { concatKdfA256Gcm } from './concat-kdf.ts';
import { fastEnvelopeClaims } from './fast-claims.ts';
import type { EnvelopePublicKey } from './x25519-key.ts';

export type EnvelopeRecipient = { agentId: string; key: EnvelopePublicKey };

/**
 * Sealing: a compact JWE (RFC 7516), alg "ECDH-ES" (direct key agreement, RFC 7518 section 4.6) over X25519
 * (RFC 8037), enc "A256GCM". Any JOSE library opens it (tested against jose). Synchronous node:crypto calls are used
 * because jose's WebCrypto path costs about 1 ms per call on 2 cores (docs/PROTOCOL.md, section 4).
 *
 * The binding (request id, tenant, recipient agent, purpose, expiry) is inside the authenticated plaintext, so no copy
 * can be used for another request, tenant or agent. Every copy gets a fresh random 96-bit IV.
 */

/**
 * An ephemeral X25519 key and the content keys it derived, per recipient kid (CEK = KDF(DH(ephemeral, recipient))).
 * Each CEK is kept as a KeyObject too: createCipheriv with a Buffer key converts it on every call, at about 4x the
 * cost of the AES-GCM work itself (see key-cache.ts).
 */
type Ephemeral = {
  privateKey: KeyObject;
  x: string;
  ceks: Map<string, Recipient>;
  uses: number;
  createdAt: number;
};

/**
 * What one (ephemeral key, recipient kid) pair seals with: the content key, and the protected header (JSON, base64url
 * and as AAD bytes), which is the same text for every copy under this pair, so it is built once.
 */
type Recipient = { cek: Buffer; key: KeyObject; header: string; aad: Buffer };

function newEphemeral(now: number): Ephemeral {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  // The JWK export is ten times cheaper than a DER export (measured on Node 24).
  return { privateKey, x: publicKey.export({ format: 'jwk' }).x as string, ceks: new Map(), uses: 0, createdAt: now };
}

function recipientState(ephemeral: Ephemeral, recipient: EnvelopeRecipient): Recipient {
  let entry = ephemeral.ceks.get(recipient.key.kid);
  if (!entry) {
    const sharedSecret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.key.keyObject });
    const cek = concatKdfA256Gcm(sharedSecret);
    sharedSecret.fill(0);
    const header = Buffer.from(
      JSON.stringify({
        alg: 'ECDH-ES',
        enc: 'A256GCM',
        typ: ENVELOPE_TYP,
        kid: recipient.key.kid,
        epk: { kty: 'OKP', crv: 'X25519', x: ephemeral.x },
      }),
    ).toString('base64url');
    // RFC 7516 section 5.1 step 14: the AAD is the ASCII of the encoded protected header.
    entry = { cek, key: createSecretKey(cek), header, aad: Buffer.from(header, 'ascii') };
    ephemeral.ceks.set(recipient.key.kid, entry);
  }
  return entry;
}

function validClaims(binding: EnvelopeBinding, secret: EnvelopeSecret, audience: string, now: number): EnvelopeClaims {
  const input = {
    v: 1,
    ...secret,
    requestId: binding.requestId,
    tenantId: binding.tenantId,
    audience,
    issuedAt: binding.issuedAt ?? now,
    expiresAt: binding.expiresAt,
  };
  const fast = fastEnvelopeClaims(input);
  if (fast !== undefined) return fast;
  const claims = envelopeClaimsSchema.safeParse(input);
  if (!claims.success) {
    // Name the field, never the value: it may be a password.
    throw new ProtocolError('ENVELOPE_BAD_INPUT', `invalid ${claims.error.issues[0]?.path.join('.') ?? 'input'}`);
  }
  return claims.data;
}

/**
 * Random 96-bit IVs, taken from a pool filled by the CSPRNG 256 at a time: the same random bits as one randomBytes(12)
 * per copy, without a call into the CSPRNG per sign-in. Each IV is used once (the pool is refilled, never re-read).
 */
const IV_BYTES = 12;
const ivPool = Buffer.alloc(IV_BYTES * 256);
let ivOffset = ivPool.length;

/**
 * A view into the pool, not a copy: it is read twice (by createCipheriv, which copies it, and by its base64url
 * encoding) before the next call can refill the pool.
 */
function nextIv(): Buffer {
  if (ivOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

function encrypt(ephemeral: Ephemeral, recipient: EnvelopeRecipient, claims: EnvelopeClaims): string {
  const state = recipientState(ephemeral, recipient);
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', state.key, iv);
  cipher.setAAD(state.aad);
  // AES-GCM is a stream mode: update() returns all of the ciphertext and final() only checks and sets the tag.
  const ciphertext = cipher.update(JSON.stringify(claims), 'utf8');
  cipher.final();
  const tag = cipher.getAuthTag();
  ephemeral.uses++;
  return `${state.header}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${tag.toString('base64url')}`;
}

function sealAll(
  ephemeral: Ephemeral,
  recipients: readonly EnvelopeRecipient[],
  binding: EnvelopeBinding,
  secret: EnvelopeSecret,
  now: number,
): Map<string, string> {
  const out = new Map<string, string>();
  if (recipients.length === 0) return out;
  // Validated once; only the audience differs between copies (the first copy uses the validated claims as they are).
  const claims = validClaims(binding, secret, recipients[0]!.agentId, now);
  for (const recipient of recipients) {
    if (typeof recipient.agentId !== 'string' || recipient.agentId.length < 1 || recipient.agentId.length > 256) {
      throw new ProtocolError('ENVELOPE_BAD_INPUT', 'invalid audience');
    }
    const copy = recipient.agentId === claims.audience ? claims : { ...claims, audience: recipient.agentId };
    out.set(recipient.agentId, encrypt(ephemeral, recipient, copy));
  }
  return out;
}

function wipe(ephemeral: Ephemeral): void {
  for (const { cek } of ephemeral.ceks.values()) cek.fill(0);
  ephemeral.ceks.clear();
}

/**
 * Seals to one agent with a fresh ephemeral key. Throws ProtocolError ENVELOPE_BAD_INPUT on an invalid binding or
 * secret (e.g. an empty password).
 */
export function sealEnvelope(recipient: EnvelopeRecipient, binding: EnvelopeBinding, secret: EnvelopeSecret): string {
  return sealEnvelopes([recipient], binding, secret).get(recipient.agentId)!;
}

/**
 * Seals one copy per recipient (one per active agent of the tenant): agentId -> compact JWE. The copies share one
 * fresh ephemeral key; each still gets its own content key, because the X25519 shared secret differs per recipient.
 */
export function sealEnvelopes(
  recipients: readonly EnvelopeRecipient[],
  binding: EnvelopeBinding,
  secret: EnvelopeSecret,
): Map<string, string> {
  const now = Date.now();
  const ephemeral = newEphemeral(now);
  try {
    return sealAll(ephemeral, recipients, binding, secret, now);
  } finally {
    wipe(ephemeral);
  }
}

export interface EnvelopeSealerOptions {
  /** Copies sealed under one ephemeral key before a new one is made. Default 4096. */
  maxUses?: number;
  /** Age after which a new ephemeral key is made. Default 60 s. */
  maxAgeMs?: number;
  now?: () => number;
}

export interface EnvelopeSealer {
  seal(recipient: EnvelopeRecipient, binding: EnvelopeBinding, secret: EnvelopeSecret): string;
  sealAll(
    recipients: readonly EnvelopeRecipient[],
    binding: EnvelopeBinding,
    secret: EnvelopeSecret,
  ): Map<string, string>;
}

/**
 * The cloud's hot-path sealer: it keeps one ephemeral key for up to `maxUses` copies or `maxAgeMs`, and the content key
 * it derived per agent key, so a sign-in costs one AES-GCM encryption per agent instead of a key generation and an
 * X25519 agreement per agent. Safe: every copy has a fresh random 96-bit IV (4096 uses per key is far below the 2^32
 * limit of NIST SP 800-38D section 8.3), the output is the same standard JWE, and the cloud holds the plaintext at that
 * moment anyway, so a shared content key in its memory exposes nothing more. Agents open these copies with
 * openEnvelope and may cache content keys by (kid, epk) with EnvelopeKeyCache.
 */
export function createEnvelopeSealer(options: EnvelopeSealerOptions = {}): EnvelopeSealer {
  const maxUses = options.maxUses ?? 4096;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const clock = options.now ?? Date.now;
  let current: Ephemeral | undefined;
  const ephemeral = (now: number, needed: number): Ephemeral => {
    if (!current || current.uses + needed > maxUses || now - current.createdAt >= maxAgeMs) {
      if (current) wipe(current);
      current = newEphemeral(now);
    }
    return current;
  };
  return {
    seal(recipient, binding, secret) {
      const now = clock();
      return sealAll(ephemeral(now, 1), [recipient], binding, secret, now).get(recipient.agentId)!;
    },
    sealAll(recipients, binding, secret) {
      const now = clock();
      return sealAll(ephemeral(now, recipients.length), recipients, binding, secret, now);
    },
  };
}
