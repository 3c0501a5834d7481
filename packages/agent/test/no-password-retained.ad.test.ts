/**
 * Pooled connections hold no password after the bind. ldapts keeps the last bind's credentials only with
 * `autoRebind` (Client._onBindSuccess), which the agent never sets. Checked on a V8 heap snapshot (taken after a full
 * GC) of this process: after validate() the password is nowhere in the heap, while a raw ldapts client with
 * autoRebind (the positive control, proving the method can see a retained password) still holds it.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeHeapSnapshot } from 'node:v8';
import { Attribute, Change, Client } from 'ldapts';
import { adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig, validatorFor } from './support/ad.ts';

// The password is only ever built on demand from pieces, so the test itself keeps no copy of it.
const PIECES = ['Heap', 'Canary', String(process.pid), 'Zq9'];
const build = (): string => PIECES.join('-');

function heapContainsPassword(): boolean {
  const file = writeHeapSnapshot(join(tmpdir(), `agent-heap-${process.pid}-${Date.now()}.heapsnapshot`));
  try {
    return readFileSync(file, 'utf8').includes(build());
  } finally {
    rmSync(file, { force: true });
  }
}

test('no password stays in memory after validate(); a raw autoRebind client keeps it (control)', async () => {
  const ad = await adTestbed();
  const u = await ad.createUser({ prefix: 'heap' });
  const admin = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
  await admin.bind(ad.admin.upn, ad.admin.password);
  // An administrative reset to the canary password (the value is a UTF-16LE buffer; no string survives).
  await admin.modify(
    u.dn,
    new Change({
      operation: 'replace',
      modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${build()}"`, 'utf16le')] }),
    }),
  );
  await admin.unbind();

  const v = validatorFor(ad, adConfig(ad));
  const control = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions, autoRebind: true });
  try {
    assert.equal((await v.validate(u.upn, build())).outcome, 'ok');
    assert.equal((await v.validate(u.upn, build())).outcome, 'ok');
    assert.equal(heapContainsPassword(), false, 'the agent keeps a password in memory');

    await control.bind(u.upn, build());
    assert.equal(heapContainsPassword(), true, 'control: autoRebind keeps the password, the check must see it');
  } finally {
    await control.unbind();
    await v.close();
  }
});
