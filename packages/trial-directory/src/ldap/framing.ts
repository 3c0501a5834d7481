/**
 * Splits a TCP byte stream into LDAPMessage PDUs. Only the outer header is inspected here, so an oversized or
 * nonsensical length is refused before any of the body is buffered.
 */
import { TAG } from '../ber/index.ts';
import { berError, TrialDirectoryError } from '../errors.ts';

/**
 * Returns the total size of the first PDU in `buf`, or undefined when more bytes are needed to know it.
 * Throws when the stream cannot be an LDAPMessage or the PDU would exceed `maxBytes`.
 */
export function nextPduLength(buf: Buffer, maxBytes: number): number | undefined {
  if (buf.length === 0) return undefined;
  if (buf[0] !== TAG.SEQUENCE) throw berError(`a PDU must start with a SEQUENCE (0x30), got 0x${buf[0]?.toString(16)}`);
  const first = buf[1];
  if (first === undefined) return undefined;
  let header = 2;
  let length = first;
  if (first >= 0x80) {
    if (first === 0x80) throw berError('indefinite length form is not allowed in LDAP');
    const octets = first & 0x7f;
    if (octets > 4) throw berError(`PDU length uses ${octets} octets`);
    if (buf.length < 2 + octets) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (buf[2 + i] ?? 0);
    header += octets;
  }
  if (header + length > maxBytes) {
    throw new TrialDirectoryError(
      'ERR_BER_TOO_LARGE',
      `PDU of ${header + length} bytes exceeds the ${maxBytes} byte limit`,
    );
  }
  return buf.length >= header + length ? header + length : undefined;
}
