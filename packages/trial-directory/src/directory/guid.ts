/**
 * objectGUID is 16 raw bytes on the wire. AD's string form stores the first three fields little-endian
 * (MS-DTYP 2.3.4.2), so `00112233-4455-6677-8899-aabbccddeeff` is the bytes 33 22 11 00 55 44 77 66 88 99 aa ...
 */
import { createHash } from 'node:crypto';

export function guidToBytes(guid: string): Buffer {
  const hex = guid.replaceAll('-', '');
  const raw = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(raw.subarray(0, 4)).reverse(),
    Buffer.from(raw.subarray(4, 6)).reverse(),
    Buffer.from(raw.subarray(6, 8)).reverse(),
    raw.subarray(8, 16),
  ]);
}

export function bytesToGuid(bytes: Buffer): string {
  const hex = Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8, 16),
  ]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stable GUID for an entry without an explicit one: a name-based (version 5 style) hash of its identity. */
export function derivedGuid(seed: string): Buffer {
  const bytes = createHash('sha256').update(`openpta-trial-directory:${seed}`).digest().subarray(0, 16);
  bytes[7] = ((bytes[7] ?? 0) & 0x0f) | 0x50; // version 5 in the (little-endian) time_hi field
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  return Buffer.from(bytes);
}
