/**
 * A service account the directory refuses (wrong password in the configuration) gives directory_error, never
 * invalid_credentials, logs an error that says what to fix, and is not retried on every sign-in (AD would lock it out):
 * the DC sees one failed service bind, not one per attempt.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'ldapts';
import { adTestbed } from '../../../scripts/testbed/index.ts';
import { createDirectoryValidator, parseAgentConfig, resolveDirectoryConfig } from '../src/index.ts';
import { adConfig, captureLog } from './support/ad.ts';

test('a refused service account: directory_error, one error log, one failed bind at the DC', async () => {
  const ad = await adTestbed();
  const svc = await ad.createUser({ prefix: 'svcbad' });
  const log = captureLog();
  const config = parseAgentConfig(
    {
      directory: adConfig(ad, {
        serviceAccount: { bindDn: svc.upn, passwordEnv: 'BAD_SERVICE_PASSWORD' },
        login: { attributes: ['mail'] },
      }),
    },
    { env: {} },
  );
  const v = createDirectoryValidator(
    resolveDirectoryConfig(config.directory, { BAD_SERVICE_PASSWORD: 'Not-Its-Password-1' }),
    {
      logger: log.logger,
    },
  );
  try {
    for (let i = 0; i < 5; i++) {
      const r = await v.validate(ad.users.altLogin.mail!, ad.users.altLogin.password);
      assert.equal(r.outcome, 'directory_error');
    }
  } finally {
    await v.close();
  }
  const refused = log.lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'service_account_refused');
  assert.equal(refused.length, 1);
  assert.equal(refused[0].level, 50);
  assert.match(refused[0].msg, /check directory\.serviceAccount/);
  assert.ok(!log.text().includes('Not-Its-Password-1'));

  const admin = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
  try {
    await admin.bind(ad.admin.upn, ad.admin.password);
    const { searchEntries } = await admin.search(svc.dn, { scope: 'base', attributes: ['badPwdCount'] });
    assert.equal(Number(searchEntries[0]!.badPwdCount), 1);
  } finally {
    await admin.unbind();
  }
});
