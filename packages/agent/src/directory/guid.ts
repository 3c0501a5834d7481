/**
 * objectGUID is 16 bytes; AD shows it as a GUID string whose first three fields are little-endian
 * (MS-DTYP 2.3.4.2), e.g. bytes 9b c0 55 d3 81 d2 39 45 ... -> d355c09b-d281-4539-....
 */
export function guidToString(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Array.from(bytes.subarray(from, to));
    if (reverse) part.reverse();
    return part.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}
