/**
 * BER encoding helpers: each returns the complete TLV as a Buffer, so responses are built as plain expressions
 * (`sequence(TAG.SEQUENCE, integer(id), ...)`). Definite lengths in the shortest form, as RFC 4511 5.1 requires.
 */
import { TAG } from './tags.ts';

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(tag: number, ...children: readonly Buffer[]): Buffer {
  return tlv(tag, Buffer.concat(children));
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
  return tlv(tag, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
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
