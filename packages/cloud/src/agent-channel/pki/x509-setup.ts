// @peculiar/x509 needs reflect-metadata loaded before it (its ASN.1 schemas use decorators).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export { x509 };

/** ECDSA P-256 with SHA-256 everywhere: small certificates, fast TLS handshakes, supported by every TLS stack. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A random positive 128-bit serial number (RFC 5280 section 4.1.2.2: positive, at most 20 octets, unpredictable). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}
