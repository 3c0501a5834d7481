/**
 * Two test bed instances run side by side on different loopback addresses (one per developer or test run), each
 * with its own directory, and a stopped instance frees its address. (They share the template's TLS CA.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { tlsOptionsFor } from '../dc.ts';
import { adTestbed, bindOnce } from '../index.ts';
import { startInstance } from '../instance.ts';
import { lockOwner } from '../loopback.ts';
import { createTestUser } from '../user-factory.ts';

test('a second instance gets its own address and CA, and stop() frees the address', async () => {
  const first = await adTestbed();
  const second = await startInstance({ tied: true });
  try {
    assert.notEqual(second.info.ip, first.host);
    const secondTls = tlsOptionsFor(readFileSync(second.info.caFile, 'utf8'));
    const user = first.users.normal;
    assert.deepEqual(await bindOnce({ url: second.info.ldapsUrl, tlsOptions: secondTls }, user.upn, user.password), {
      result: 'success',
    });
    // The directories are separate: a user created on the second DC does not exist on the first.
    const only = await createTestUser({ dir: second.info.dir, ldapsUrl: second.info.ldapsUrl, tlsOptions: secondTls });
    const there = await bindOnce({ url: second.info.ldapsUrl, tlsOptions: secondTls }, only.upn, only.password);
    assert.deepEqual(there, { result: 'success' });
    const here = await bindOnce(first.bindTarget(), only.upn, only.password);
    assert.equal(here.result === 'invalidCredentials' ? here.data : here.result, '52e');
    assert.equal(lockOwner(second.info.ip), second.info.pid);
  } finally {
    await second.stop();
  }
  assert.equal(lockOwner(second.info.ip), undefined);
  const gone = await bindOnce({ url: second.info.ldapsUrl, tlsOptions: first.tlsOptions, timeoutMs: 2_000 }, 'x', 'y');
  assert.equal(gone.result, 'other');
});
