/**
 * A strict BER reader for the subset LDAP uses (RFC 4511 section 5.1): definite lengths only, low tag numbers only,
 * no constructed strings. Every read is bounds-checked against the enclosing element, so a hostile length can never
 * read past the PDU or allocate: values are subarrays of the input.
 *
 * Hand-written on purpose: the BER libraries on npm are either the decommissioned ldapjs family (asn1, @ldapjs/asn1)
 * or DER/schema toolkits (asn1js, @peculiar/asn1-schema) far larger than the ten primitives LDAP needs.
 */
import { berError } from '../errors.ts';
import { TAG } from './tags.ts';

export interface BerElement {
  readonly tag: number;
  readonly value: Buffer;
}

/** Largest number of length octets accepted: 4 octets already allow 4 GiB, far above any message size limit. */
const MAX_LENGTH_OCTETS = 4;

export class BerReader {
  readonly #buf: Buffer;
  #offset: number;

  constructor(buf: Buffer) {
    this.#buf = buf;
    this.#offset = 0;
  }

  get atEnd(): boolean {
    return this.#offset >= this.#buf.length;
  }

  peekTag(): number | undefined {
    return this.atEnd ? undefined : this.#buf[this.#offset];
  }

  /** Reads one whole TLV element. */
  readElement(): BerElement {
    const tag = this.#buf[this.#offset];
    if (tag === undefined) throw berError('unexpected end of data, expected an element');
    // X.690 8.1.2.4: tag number 31 means a multi-octet tag; LDAP never uses one.
    if ((tag & 0x1f) === 0x1f) throw berError(`high tag number form is not used by LDAP (tag 0x${hex(tag)})`);
    this.#offset += 1;
    const length = this.#readLength();
    if (length > this.#buf.length - this.#offset) {
      throw berError(`element 0x${hex(tag)} claims ${length} bytes but only ${this.#buf.length - this.#offset} remain`);
    }
    const value = this.#buf.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return { tag, value };
  }

  /** Reads an element and checks its tag. */
  expect(tag: number, what: string): Buffer {
    const element = this.readElement();
    if (element.tag !== tag) {
      throw berError(`expected ${what} (tag 0x${hex(tag)}), found tag 0x${hex(element.tag)}`);
    }
    return element.value;
  }

  /** Reads a constructed element and returns a reader over its contents. */
  readSequence(tag: number = TAG.SEQUENCE, what = 'SEQUENCE'): BerReader {
    return new BerReader(this.expect(tag, what));
  }

  readInteger(tag: number = TAG.INTEGER, what = 'INTEGER'): number {
    return decodeInteger(this.expect(tag, what), what);
  }

  readEnumerated(what = 'ENUMERATED'): number {
    return decodeInteger(this.expect(TAG.ENUMERATED, what), what);
  }

  readBoolean(tag: number = TAG.BOOLEAN, what = 'BOOLEAN'): boolean {
    return decodeBoolean(this.expect(tag, what), what);
  }

  readOctetString(tag: number = TAG.OCTET_STRING, what = 'OCTET STRING'): Buffer {
    return this.expect(tag, what);
  }

  readString(tag: number = TAG.OCTET_STRING, what = 'OCTET STRING'): string {
    return decodeUtf8(this.expect(tag, what), what);
  }

  /** Fails if unread bytes remain: trailing data inside an element is a malformed PDU. */
  end(what: string): void {
    if (!this.atEnd) throw berError(`unexpected trailing data in ${what}`);
  }

  #readLength(): number {
    const first = this.#buf[this.#offset];
    if (first === undefined) throw berError('unexpected end of data, expected a length');
    this.#offset += 1;
    if (first < 0x80) return first;
    // RFC 4511 5.1: "Only the definite form of length encoding is used." 0x80 is the indefinite form.
    if (first === 0x80) throw berError('indefinite length form is not allowed in LDAP');
    const octets = first & 0x7f;
    if (octets > MAX_LENGTH_OCTETS) throw berError(`length uses ${octets} octets, more than ${MAX_LENGTH_OCTETS}`);
    if (this.#offset + octets > this.#buf.length) throw berError('unexpected end of data inside a length');
    let length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (this.#buf[this.#offset + i] ?? 0);
    this.#offset += octets;
    return length;
  }
}

/** Two's complement big-endian integer, at most 32 bits (every LDAP INTEGER is bounded by maxInt, RFC 4511 4.1.1). */
export function decodeInteger(value: Buffer, what: string): number {
  if (value.length === 0) throw berError(`${what} has no content octets`);
  if (value.length > 5 || (value.length === 5 && value[0] !== 0x00 && value[0] !== 0xff)) {
    throw berError(`${what} is too large`);
  }
  // At most 5 octets, so the unsigned value stays exact in a double; subtract 2^(8*len) for a negative number.
  let unsigned = 0;
  for (const byte of value) unsigned = unsigned * 256 + byte;
  const n = (value[0] ?? 0) & 0x80 ? unsigned - 2 ** (8 * value.length) : unsigned;
  if (n > 0x7fffffff || n < -0x80000000) throw berError(`${what} is out of the 32-bit range`);
  return n;
}

export function decodeBoolean(value: Buffer, what: string): boolean {
  if (value.length !== 1) throw berError(`${what} must have exactly one content octet`);
  return value[0] !== 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** LDAPString is UTF-8 (RFC 4511 4.1.2); invalid UTF-8 is a malformed PDU, not something to guess at. */
export function decodeUtf8(value: Buffer, what: string): string {
  try {
    return utf8.decode(value);
  } catch {
    throw berError(`${what} is not valid UTF-8`);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
