// @peculiar/x509 needs reflect-metadata loaded before it.
import 'reflect-metadata';
import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { generateEnvelopeKeyPair } from '@openpta/protocol';
import * as x509 from '@peculiar/x509';

/**
 * Ed25519 for the TLS client key: the cloud keeps every connected agent's parsed certificate for the connection's
 * life, and an Ed25519 one costs it about 2 KiB less per agent than EC P-256 (docs/PERFORMANCE.md (d)); signatures
 * are also cheaper to check. Agents registered with P-256 keep it until their next renewal; the cloud accepts both.
 */
const ALGORITHM = { name: 'Ed25519' } as const;

export interface NewKeyMaterial {
  /** TLS client key, PKCS#8 PEM (node:tls wants PKCS#8). */
  tlsKeyPem: string;
  /** PKCS#10 request for it, signed by it (proof of possession). */
  csrPem: string;
  encryption: { kid: string; publicJwk: Record<string, unknown>; privateKeyPem: string; privateKey: KeyObject };
}

/** Fresh key pairs for a registration or a renewal: a TLS client key with its CSR, and an X25519 encryption key. */
export async function newKeyMaterial(hostname: string): Promise<NewKeyMaterial> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // The cloud ignores the subject and sets its own (tenant and agent id); this is for humans reading the CSR.
    name: `CN=${hostname.replace(/[,+="<>#;\\]/g, '_')}`,
    keys,
    signingAlgorithm: ALGORITHM,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const encryption = generateEnvelopeKeyPair();
  return {
    tlsKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    csrPem: csr.toString('pem'),
    encryption: {
      kid: encryption.kid,
      publicJwk: encryption.publicJwk,
      privateKeyPem: encryption.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKey: encryption.privateKey,
    },
  };
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}
