import { createHash, X509Certificate } from 'node:crypto';

/** SHA-256 of a certificate's DER encoding, lower-case hex (what node's fingerprint256 shows, without colons). */
export function certificateSha256Hex(certificate: string | Buffer | X509Certificate): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : toDer(certificate);
  return createHash('sha256').update(der).digest('hex');
}

/** The trust pin carried in registration tokens: SHA-256 of the CA certificate's DER, base64url (43 characters). */
export function caPin(certificate: string | Buffer | X509Certificate): string {
  return Buffer.from(certificateSha256Hex(certificate), 'hex').toString('base64url');
}

/** Human form, as `openssl x509 -fingerprint -sha256` prints it: "AB:CD:...". */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().match(/../g)?.join(':') ?? '';
}

function toDer(certificate: string | Buffer): Buffer {
  return typeof certificate === 'string' ? new X509Certificate(certificate).raw : certificate;
}
