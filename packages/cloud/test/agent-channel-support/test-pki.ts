/**
 * Throw-away certificates for channel tests: a CA, a server certificate for 127.0.0.1/localhost and agent client
 * certificates (EKU clientAuth, SAN URI urn:openpta:agent:<id>). Real X.509 and real TLS, generated per test run.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly caCert: string;
  readonly server: TestCertificate;
  /** `keyAlgorithm: 'Ed25519'`: the key type real agents create (agent key-material.ts); default EC P-256. */
  issueAgent(agentId: string, options?: { expired?: boolean; keyAlgorithm?: 'Ed25519' }): Promise<TestCertificate>;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function createTestPki(name = 'openpta test'): Promise<TestPki> {
  const caKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name} CA`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  let serial = 2;
  async function issue(
    subject: string,
    eku: string,
    san: x509.JsonGeneralName[],
    expired = false,
    keyAlgorithm?: 'Ed25519',
  ): Promise<TestCertificate> {
    // The CA signs with P-256 either way, as the cloud's agent CA does (pki/x509-setup.ts).
    const keys = (await crypto.subtle.generateKey(keyAlgorithm === undefined ? alg : { name: keyAlgorithm }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject,
      issuer: ca.subject,
      notBefore: new Date(now - (expired ? 7_200_000 : 60_000)),
      notAfter: new Date(expired ? now - 3_600_000 : now + 86_400_000),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([eku], false),
        new x509.SubjectAlternativeNameExtension(san, false),
      ],
    });
    return { cert: cert.toString('pem'), key: await pkcs8Pem(keys.privateKey) };
  }
  const server = await issue('CN=localhost', x509.ExtendedKeyUsage.serverAuth, [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
  ]);
  return {
    caCert: ca.toString('pem'),
    server,
    issueAgent: (agentId, options) =>
      issue(
        `CN=${agentId}`,
        x509.ExtendedKeyUsage.clientAuth,
        [{ type: 'url', value: `urn:openpta:agent:${agentId}` }],
        options?.expired === true,
        options?.keyAlgorithm,
      ),
  };
}
