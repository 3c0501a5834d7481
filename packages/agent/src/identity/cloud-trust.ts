import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { openCloudSocket } from './cloud-socket.ts';
import { AgentIdentityError } from './errors.ts';

/** SHA-256 of a certificate's DER, base64url: the form of the pin in registration tokens. */
export function certificatePin(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** TLS options that trust exactly the pinned cloud CA (also when it is an intermediate, not a self-signed root). */
export function cloudTlsOptions(cloudCaPem: string): { ca: string; allowPartialTrustChain?: boolean } {
  const ca = new X509Certificate(cloudCaPem);
  const selfSigned = ca.checkIssued(ca);
  return selfSigned ? { ca: cloudCaPem } : { ca: cloudCaPem, allowPartialTrustChain: true };
}

/** The CA file given with --cloud-ca, accepted only when it is the CA pinned in the token. */
export function checkCloudCaFile(pem: string, pin: string): string {
  let der: Buffer;
  try {
    der = new X509Certificate(pem).raw;
  } catch {
    throw new AgentIdentityError('CLOUD_CA_FILE_MISMATCH', 'not a PEM certificate');
  }
  if (certificatePin(der) !== pin) throw new AgentIdentityError('CLOUD_CA_FILE_MISMATCH');
  return derToPem(der);
}

/**
 * First contact (docs/PROTOCOL.md, "Trust bootstrap"): a TLS handshake with the cloud that accepts any certificate,
 * reads the chain the server presents, and returns the certificate whose SHA-256 equals the token's pin. Nothing is
 * sent on this connection (it is closed right after the handshake), so an impostor learns nothing, not even the
 * token. Every later connection then trusts only that CA, with full chain and host name verification.
 */
export async function fetchPinnedCloudCa(
  cloudUrl: URL,
  pin: string,
  options: { timeoutMs?: number | undefined; proxyUrl?: string | null | undefined } = {},
): Promise<string> {
  // Verification is the pin check below, done before anything is sent.
  const socket = await openCloudSocket(cloudUrl, {
    tls: { rejectUnauthorized: false },
    proxyUrl: options.proxyUrl,
    timeoutMs: options.timeoutMs,
  });
  const chain: Buffer[] = [];
  try {
    let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
    const seen = new Set<string>();
    while (current?.raw && !seen.has(current.fingerprint256)) {
      seen.add(current.fingerprint256);
      chain.push(current.raw);
      current = current.issuerCertificate;
    }
  } finally {
    socket.destroy();
  }
  const match = chain.find((der) => certificatePin(der) === pin);
  if (!match) {
    throw new AgentIdentityError('CLOUD_PIN_MISMATCH', `${cloudUrl.host} presented ${chain.length} certificate(s)`);
  }
  return derToPem(match);
}
