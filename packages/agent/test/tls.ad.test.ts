/**
 * TLS to the DC: a wrong CA, a wrong host name or a pin mismatch is directory_tls_error (never invalid_credentials,
 * and no password is sent); the right pin works.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig, counter, USER_BINDS, validatorFor } from './support/ad.ts';

let ad: AdTestbed;
let dir: string;
let dcFingerprint: string;

before(async () => {
  ad = await adTestbed();
  dir = await mkdtemp(join(tmpdir(), 'agent-tls-'));
  dcFingerprint = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: ad.host, port: ad.ldapsPort, ...ad.tlsOptions }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
});
after(() => rm(dir, { recursive: true, force: true }));

async function outcomeWith(tlsConfig: Record<string, unknown>, serverName = ad.servername) {
  const v = validatorFor(
    ad,
    adConfig(ad, { dcs: [{ url: ad.ldapsUrl, serverName }], tls: { caFile: ad.caFile, ...tlsConfig } }),
  );
  try {
    const r = await v.validate(ad.users.normal.upn, ad.wrongPassword);
    return { outcome: r.outcome, binds: await counter(v, USER_BINDS) };
  } finally {
    await v.close();
  }
}

test('a CA that did not issue the DC certificate -> directory_tls_error', async () => {
  // A real public root: valid, but not the test bed's issuer.
  const wrongCa = join(dir, 'wrong-ca.pem');
  writeFileSync(wrongCa, tls.rootCertificates[0]!);
  assert.deepEqual(await outcomeWith({ caFile: wrongCa }), { outcome: 'directory_tls_error', binds: 0 });
});

test('the system CA store does not trust the test bed CA -> directory_tls_error', async () => {
  const v = validatorFor(ad, adConfig(ad, { tls: {} }));
  try {
    assert.equal((await v.validate(ad.users.normal.upn, ad.users.normal.password)).outcome, 'directory_tls_error');
  } finally {
    await v.close();
  }
});

test('a host name the certificate does not name -> directory_tls_error', async () => {
  assert.deepEqual(await outcomeWith({}, 'dc9.elsewhere.test'), { outcome: 'directory_tls_error', binds: 0 });
});

test('a pin that does not match the DC certificate -> directory_tls_error', async () => {
  assert.deepEqual(await outcomeWith({ pinSha256: ['00'.repeat(32)] }), { outcome: 'directory_tls_error', binds: 0 });
});

test('the matching pin (colon form, any case) is accepted', async () => {
  const r = await outcomeWith({ pinSha256: [dcFingerprint.toLowerCase()] });
  assert.deepEqual(r, { outcome: 'invalid_credentials', binds: 1 });
});

test('StartTLS with a wrong CA -> directory_tls_error', async () => {
  const wrongCa = join(dir, 'wrong-ca-2.pem');
  writeFileSync(wrongCa, tls.rootCertificates[1]!);
  const v = validatorFor(
    ad,
    adConfig(ad, {
      dcs: [{ url: ad.ldapUrl, serverName: ad.servername }],
      tls: { mode: 'starttls', caFile: wrongCa },
    }),
  );
  try {
    assert.equal((await v.validate(ad.users.normal.upn, ad.users.normal.password)).outcome, 'directory_tls_error');
    assert.equal(await counter(v, USER_BINDS), 0);
  } finally {
    await v.close();
  }
});
