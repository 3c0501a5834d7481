/**
 * Two test bed instances run side by side on different loopback addresses (one per developer or test run), each
 * with its own directory, and a stopped instance frees its address. (They share the template's TLS CA.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adTestbed, bindOnce, startPrivateTestbed } from '../index.ts';
import { lockOwner } from '../loopback.ts';

test('a second instance gets its own address and directory, and stop() frees the address', async () => {
  const first = await adTestbed();
  const second = await startPrivateTestbed();
  try {
    assert.notEqual(second.host, first.host);
    const user = first.users.normal;
    assert.deepEqual(await bindOnce(second.bindTarget(), user.upn, user.password), { result: 'success' });
    // The directories are separate: a user created on the second DC does not exist on the first.
    const only = await second.createUser();
    const there = await bindOnce(second.bindTarget(), only.upn, only.password);
    assert.deepEqual(there, { result: 'success' });
    const here = await bindOnce(first.bindTarget(), only.upn, only.password);
    assert.equal(here.result === 'invalidCredentials' ? here.data : here.result, '52e');
    assert.equal(lockOwner(second.host), second.pid);
  } finally {
    await second.stop();
  }
  assert.equal(lockOwner(second.host), undefined);
  const gone = await bindOnce({ url: second.ldapsUrl, tlsOptions: first.tlsOptions, timeoutMs: 2_000 }, 'x', 'y');
  assert.equal(gone.result, 'other');
});
