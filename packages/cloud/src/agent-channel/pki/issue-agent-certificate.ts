import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { AgentCa } from './agent-ca.ts';
import { AgentIdentityError } from './errors.ts';
import { certificateSha256Hex } from './fingerprint.ts';
import { agentIdentityUri } from './identity-uri.ts';
import { randomSerial, SIGNING_ALGORITHM, x509 } from './x509-setup.ts';

/** Backdating tolerates agents whose clock is a little behind the cloud's. */
const BACKDATE_MS = 5 * 60_000;

export interface IssuedAgentCertificate {
  pem: string;
  serial: string;
  fingerprint: string;
  notBefore: number;
  notAfter: number;
}

/**
 * Checks a PKCS#10 request (RFC 2986): PEM, an Ed25519 key (what agents create) or an EC P-256 key (what agents
 * registered before created, until they renew), signed by that key (proof of possession). Everything else in it
 * (subject, extensions) is ignored: the cloud decides the certificate's contents.
 */
export async function verifyAgentCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new AgentIdentityError('CSR_INVALID', 'not a PEM PKCS#10 request');
  }
  const algorithm = csr.publicKey.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== 'Ed25519' && (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256')) {
    throw new AgentIdentityError('CSR_INVALID', 'the key must be Ed25519 or EC P-256');
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new AgentIdentityError('CSR_INVALID', 'the signature does not verify');
  return csr;
}

/**
 * Issues an agent client certificate: subject CN=<agentId>, OU=<tenantId>, O=openpta agent; SAN URI
 * urn:openpta:agent:<tenantId>:<agentId>; EKU clientAuth only (RFC 5280 section 4.2.1.12), so it can never serve TLS.
 */
export async function issueAgentCertificate(input: {
  ca: AgentCa;
  csr: x509.Pkcs10CertificateRequest;
  tenantId: string;
  agentId: string;
  validityMs: number;
  now: number;
}): Promise<IssuedAgentCertificate> {
  const { ca, csr, tenantId, agentId, now } = input;
  const notAfter = Math.min(now + input.validityMs, ca.certificate.notAfter.getTime());
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${agentId}, OU=${tenantId}, O=openpta agent`,
    issuer: ca.certificate.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingKey: ca.privateKey,
    publicKey: csr.publicKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: agentIdentityUri(tenantId, agentId) }], true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    ],
  });
  const pem = certificate.toString('pem');
  const parsed = new NodeX509Certificate(pem);
  return {
    pem,
    serial: certificate.serialNumber,
    fingerprint: certificateSha256Hex(parsed),
    notBefore: certificate.notBefore.getTime(),
    notAfter: certificate.notAfter.getTime(),
  };
}
