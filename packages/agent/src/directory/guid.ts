/**
 * objectGUID is 16 bytes; AD shows it as a GUID string whose first three fields are little-endian
 * (MS-DTYP 2.3.4.2), e.g. bytes 9b c0 55 d3 81 d2 39 45 ... -> d355c09b-d281-4539-....
 */
export function guidToString(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`objectGUID must be 16 bytes, got ${bytes.length}`);
  // One hex string, then the fields cut out of it: far cheaper than per-byte formatting on every sign-in.
  const h = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  const le = (from: number, to: number): string => {
    let out = '';
    for (let i = to - 2; i >= from; i -= 2) out += h.slice(i, i + 2);
    return out;
  };
  return `${le(0, 8)}-${le(8, 12)}-${le(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
