import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { AgentIdentityError } from './errors.ts';
import { certificateSha256Hex } from './fingerprint.ts';
import { parseAgentIdentityUri } from './identity-uri.ts';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

export interface AgentCertificateFacts {
  tenantId: string;
  agentId: string;
  fingerprint: string;
  notBefore: number;
  notAfter: number;
  certificate: X509Certificate;
}

/** What a caller may hand in: node's peer certificate (socket.getPeerCertificate()), DER bytes, or a parsed one. */
export type PresentedCertificate =
  | PeerCertificate
  | Buffer
  | X509Certificate
  | Record<string, never>
  | null
  | undefined;

/**
 * Reads the identity out of a presented client certificate without trusting it yet: the SAN URI
 * urn:openpta:agent:<tenant>:<agent>, the clientAuth EKU and the validity. Throws AgentIdentityError CERT_MISSING /
 * CERT_INVALID. The caller still checks the issuer, the database record and the time.
 */
export function readAgentCertificate(presented: PresentedCertificate): AgentCertificateFacts {
  let certificate: X509Certificate;
  if (presented instanceof X509Certificate) certificate = presented;
  else {
    const der = Buffer.isBuffer(presented) ? presented : (presented as PeerCertificate | undefined)?.raw;
    if (!der || der.length === 0) throw new AgentIdentityError('CERT_MISSING');
    try {
      certificate = new X509Certificate(der);
    } catch {
      throw new AgentIdentityError('CERT_INVALID', 'not an X.509 certificate');
    }
  }
  const uris = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
  const identities = uris.map(parseAgentIdentityUri).filter((id) => id !== undefined);
  if (identities.length !== 1) throw new AgentIdentityError('CERT_INVALID', 'no agent identity in the certificate');
  if (!(certificate.keyUsage ?? []).includes(CLIENT_AUTH_OID)) {
    throw new AgentIdentityError('CERT_INVALID', 'not a client-authentication certificate');
  }
  const { tenantId, agentId } = identities[0]!;
  return {
    tenantId,
    agentId,
    fingerprint: certificateSha256Hex(certificate),
    notBefore: certificate.validFromDate.getTime(),
    notAfter: certificate.validToDate.getTime(),
    certificate,
  };
}
