/**
 * BER encoding helpers: each returns the complete TLV as a Buffer, so responses are built as plain expressions
 * (`sequence(TAG.SEQUENCE, integer(id), ...)`). Definite lengths in the shortest form, as RFC 4511 5.1 requires.
 */
import { TAG } from './tags.ts';

export function tlv(tag: number, content: Buffer): Buffer {
  const out = withHeader(tag, content.length);
  out.set(content, out.length - content.length);
  return out;
}

export function sequence(tag: number, ...children: readonly Buffer[]): Buffer {
  let length = 0;
  for (const c of children) length += c.length;
  // One allocation per element: the header and the children copied once (every search entry is built this way).
  const out = withHeader(tag, length);
  let offset = out.length - length;
  for (const c of children) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export function integer(n: number, tag: number = TAG.INTEGER): Buffer {
  return tlv(tag, encodeIntegerContent(n));
}

export function enumerated(n: number): Buffer {
  return integer(n, TAG.ENUMERATED);
}

export function boolean(value: boolean, tag: number = TAG.BOOLEAN): Buffer {
  // X.690 11.1 (DER, which LDAP servers use in practice): TRUE is 0xFF.
  return tlv(tag, Buffer.from([value ? 0xff : 0x00]));
}

export function octetString(value: string | Buffer, tag: number = TAG.OCTET_STRING): Buffer {
  if (typeof value !== 'string') return tlv(tag, value);
  const length = Buffer.byteLength(value, 'utf8');
  const out = withHeader(tag, length);
  if (out.write(value, out.length - length, 'utf8') !== length) throw new Error('internal: UTF-8 length mismatch');
  return out;
}

/**
 * A buffer for one element of `length` content bytes, with the tag and the length already written (X.690 8.1.3:
 * short form below 128, else the long form with the fewest octets); the caller fills the content, at the end, to
 * the last byte (the buffer comes from Buffer.allocUnsafe's pool and must not show old bytes).
 */
function withHeader(tag: number, length: number): Buffer {
  let lengthOctets = 0;
  if (length >= 0x80) for (let n = length; n > 0; n = Math.floor(n / 256)) lengthOctets++;
  const out = Buffer.allocUnsafe(2 + lengthOctets + length);
  out[0] = tag;
  if (lengthOctets === 0) {
    out[1] = length;
  } else {
    out[1] = 0x80 | lengthOctets;
    for (let i = lengthOctets, n = length; i >= 1; i--, n = Math.floor(n / 256)) out[1 + i] = n % 256;
  }
  return out;
}
function encodeIntegerContent(n: number): Buffer {
  if (!Number.isInteger(n) || n > 0x7fffffff || n < -0x80000000) throw new RangeError(`integer out of range: ${n}`);
  const bytes: number[] = [];
  let v = n;
  // Emit minimal two's complement octets (X.690 8.3.2): stop when the remaining value is only sign extension.
  for (;;) {
    const byte = v & 0xff;
    bytes.unshift(byte);
    v >>= 8;
    if ((v === 0 && (byte & 0x80) === 0) || (v === -1 && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}
