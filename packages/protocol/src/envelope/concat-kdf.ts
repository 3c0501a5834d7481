import { createHash } from 'node:crypto';

/**
 * The Concat KDF of NIST SP 800-56A as profiled for JWE direct key agreement (RFC 7518 section 4.6.2), for
 * alg "ECDH-ES", enc "A256GCM", no apu/apv: one SHA-256 round gives the 256-bit content encryption key.
 * OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, each length-prefixed (32-bit big endian).
 */
const ENC = Buffer.from('A256GCM', 'ascii');
const COUNTER_1 = Buffer.from([0, 0, 0, 1]);
const OTHER_INFO = Buffer.concat([
  u32(ENC.length),
  ENC,
  u32(0), // PartyUInfo: empty apu
  u32(0), // PartyVInfo: empty apv
  u32(256), // SuppPubInfo: keydatalen in bits
]);

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

export function concatKdfA256Gcm(sharedSecret: Uint8Array): Buffer {
  return createHash('sha256').update(COUNTER_1).update(sharedSecret).update(OTHER_INFO).digest();
}
