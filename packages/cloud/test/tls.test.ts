import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDevCertificates } from '../src/tls/index.ts';

test('dev CA: created once, reused; the server certificate covers loopback names and the public host', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = await ensureDevCertificates(dir, ['login.example.test']);
  assert.equal(first.createdCa, true);
  assert.equal(first.createdServerCertificate, true);
  const caPem = readFileSync(first.caFile, 'utf8');
  const ca = new X509Certificate(caPem);
  assert.equal(ca.ca, true);
  const leaf = new X509Certificate(readFileSync(join(dir, 'server.pem')));
  assert.ok(leaf.verify(ca.publicKey), 'the CA issued the server certificate');
  assert.ok(leaf.checkIssued(ca));
  for (const host of ['localhost', 'login.example.test']) assert.equal(leaf.checkHost(host), host);
  for (const ip of ['127.0.0.1', '::1']) assert.ok(leaf.checkIP(ip), ip);
  assert.equal(leaf.checkHost('other.example.test'), undefined);
  assert.match(leaf.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'EKU serverAuth');
  for (const key of ['dev-ca-key.pem', 'server-key.pem']) {
    assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, `${key} is private`);
  }

  const second = await ensureDevCertificates(dir, ['login.example.test']);
  assert.equal(second.createdCa, false, 'the CA is reused');
  assert.equal(second.createdServerCertificate, false, 'a still-good server certificate is reused');
  assert.equal(second.cert, first.cert);

  const third = await ensureDevCertificates(dir, ['new.example.test']);
  assert.equal(third.createdCa, false);
  assert.equal(third.createdServerCertificate, true, 'a new public host gets a new certificate from the same CA');
  assert.equal(readFileSync(third.caFile, 'utf8'), caPem);
  assert.equal(
    new X509Certificate(readFileSync(join(dir, 'server.pem'))).checkHost('new.example.test'),
    'new.example.test',
  );

  const later = await ensureDevCertificates(dir, ['new.example.test'], new Date(Date.now() + 380 * 86_400_000));
  assert.equal(later.createdServerCertificate, true, 'renewed when it is about to expire');
});
