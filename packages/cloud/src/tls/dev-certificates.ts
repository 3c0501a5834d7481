import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Browsers refuse leaf certificates valid for more than 398 days (CA/Browser Forum baseline requirements). */
const SERVER_VALIDITY_DAYS = 397;
const CA_VALIDITY_DAYS = 3650;
/** Reissue the server certificate when it would expire within this window. */
const RENEW_BEFORE_DAYS = 30;

export interface DevCertificates {
  /** PEM of the server certificate followed by the CA certificate (the chain TLS clients need). */
  cert: string;
  key: string;
  /** The file clients must trust (the dev CA). */
  caFile: string;
  createdCa: boolean;
  createdServerCertificate: boolean;
}

/**
 * The development TLS setup: a local CA (created once, reused) and a server certificate it issues for localhost,
 * 127.0.0.1, ::1 and the extra hosts (the public URL's host). Files in `dir`: dev-ca.pem, dev-ca-key.pem, server.pem,
 * server-key.pem; keys are written with mode 0600. The server certificate is reissued when a host is missing or it
 * is about to expire.
 */
export async function ensureDevCertificates(
  dir: string,
  extraHosts: string[] = [],
  now = new Date(),
): Promise<DevCertificates> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'dev-ca.pem');
  const caKeyFile = join(dir, 'dev-ca-key.pem');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server-key.pem');
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts.map(stripBrackets)])];

  let createdCa = false;
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    const keys = await generateKeys();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=openpta development CA ${randomBytes(4).toString('hex')}, O=openpta (development only)`,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileSync(caKeyFile, await privateKeyPem(keys.privateKey), { mode: 0o600 });
    writeFileSync(caFile, ca.toString('pem'));
    createdCa = true;
  }
  const caPem = readFileSync(caFile, 'utf8');

  let createdServerCertificate = false;
  if (createdCa || !serverCertificateUsable(certFile, keyFile, caPem, hosts, now)) {
    const caCert = new x509.X509Certificate(caPem);
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(readFileSync(caKeyFile, 'utf8')),
      ALGORITHM,
      false,
      ['sign'],
    );
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: 'CN=localhost, O=openpta (development only)',
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
      signingKey: caKey as CryptoKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileSync(keyFile, await privateKeyPem(keys.privateKey), { mode: 0o600 });
    writeFileSync(certFile, cert.toString('pem'));
    createdServerCertificate = true;
  }
  return {
    cert: `${readFileSync(certFile, 'utf8').trim()}\n${caPem.trim()}\n`,
    key: readFileSync(keyFile, 'utf8'),
    caFile,
    createdCa,
    createdServerCertificate,
  };
}

function serverCertificateUsable(
  certFile: string,
  keyFile: string,
  caPem: string,
  hosts: string[],
  now: Date,
): boolean {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

async function generateKeys(): Promise<CryptoKeyPair> {
  // Extractable: node:tls wants the key as PKCS#8 PEM.
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER (RFC 5280 section 4.1.2.2)
  return bytes.toString('hex');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
