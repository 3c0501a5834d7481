/** DC ordering: configured first, SRV by priority then weight (RFC 2782); down DCs skipped for a while. */
import assert from 'node:assert/strict';
import type { SrvRecord } from 'node:dns';
import { test } from 'node:test';
import { endpointFromUrl } from '../src/directory/endpoint.ts';
import { DcSet, orderSrv } from '../src/index.ts';

const srv = (name: string, priority: number, weight: number): SrvRecord => ({ name, port: 389, priority, weight });

test('SRV records: lower priority first; weight decides within a priority', () => {
  const records = [srv('c', 10, 0), srv('a', 0, 90), srv('b', 0, 10), srv('d', 5, 1)];
  // random() = 0 picks the first record by cumulative weight (after zero weights are moved first).
  assert.deepEqual(
    orderSrv(records, () => 0).map((r) => r.name),
    ['b', 'a', 'd', 'c'],
  );
  assert.deepEqual(
    orderSrv(records, () => 0.99).map((r) => r.name),
    ['a', 'b', 'd', 'c'],
  );
  // Over many draws, the weight-90 record comes first about 90% of the time.
  let aFirst = 0;
  let seed = 1;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 2000; i++) if (orderSrv(records, rnd)[0]!.name === 'a') aFirst++;
  assert.ok(aFirst > 1600 && aFirst < 1990, String(aFirst));
});

test('configured DCs come first, then SRV ones (LDAPS port 636), without duplicates', async () => {
  const names: string[] = [];
  const set = new DcSet({
    static: [endpointFromUrl('ldaps://dc9.corp.example.test', 'ldaps')],
    transport: 'ldaps',
    srvDomain: 'corp.example.test',
    refreshMs: 60000,
    downMs: 1000,
    resolveSrv: async (name) => {
      names.push(name);
      return [
        srv('dc2.corp.example.test', 0, 0),
        srv('dc9.corp.example.test', 0, 0),
        srv('dc1.corp.example.test', 1, 0),
      ];
    },
  });
  const list = await set.candidates();
  assert.deepEqual(names, ['_ldap._tcp.dc._msdcs.corp.example.test']);
  assert.deepEqual(
    list.map((d) => d.label),
    ['ldaps://dc9.corp.example.test:636', 'ldaps://dc2.corp.example.test:636', 'ldaps://dc1.corp.example.test:636'],
  );
  assert.equal(list[1]!.serverName, 'dc2.corp.example.test');
  await set.candidates();
  assert.equal(names.length, 1, 'cached until refreshMs');
});

test('a failed SRV lookup keeps the configured DCs and reports the error', async () => {
  const errors: Error[] = [];
  const set = new DcSet({
    static: [endpointFromUrl('ldaps://dc1', 'ldaps')],
    transport: 'ldaps',
    srvDomain: 'corp.example.test',
    refreshMs: 1,
    downMs: 1000,
    resolveSrv: async () => {
      throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
    },
    onSrvError: (e) => errors.push(e),
  });
  assert.deepEqual(
    (await set.candidates()).map((d) => d.host),
    ['dc1'],
  );
  assert.equal(errors.length, 1);
});

test('down DCs are skipped until their mark ends; all down -> only the one back soonest', async () => {
  const set = new DcSet({
    static: ['a', 'b', 'c'].map((h) => endpointFromUrl(`ldaps://${h}`, 'ldaps')),
    transport: 'ldaps',
    refreshMs: 1000,
    downMs: 1000,
  });
  set.markDown('ldaps://a:636', 0);
  assert.deepEqual(
    (await set.candidates(500)).map((d) => d.host),
    ['b', 'c'],
  );
  assert.deepEqual(
    (await set.candidates(1000)).map((d) => d.host),
    ['a', 'b', 'c'],
  );
  set.markDown('ldaps://b:636', 100);
  set.markDown('ldaps://c:636', 200);
  assert.deepEqual(
    (await set.candidates(500)).map((d) => d.host),
    ['a'],
  );
  set.markUp('ldaps://a:636');
  assert.equal(set.isDown('ldaps://a:636', 500), false);
});
