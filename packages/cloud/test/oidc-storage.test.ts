/**
 * The oidc-provider storage adapter on the store (table oidc_payloads): tenant isolation, expiry (find ignores
 * expired rows before the sweep deletes them), consume (replay detection), grant revocation cascade, the sweep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPayloadAdapter, sweepExpiredPayloads } from '../src/oidc/index.ts';
import { migrateToLatest, openDatabase, type Store } from '../src/store/index.ts';

let store: Store;
let clock = 1_800_000_000_000;
const now = () => clock;

before(async () => {
  store = openDatabase('sqlite::memory:');
  await migrateToLatest(store);
});
after(async () => store.close());

function adapter(tenantId: string, model: string) {
  const Adapter = createPayloadAdapter({
    db: store.db,
    tenantId,
    now,
    clients: async (id) =>
      id === 'known' ? { client_id: 'known', redirect_uris: ['https://rp.example.test/cb'] } : undefined,
  });
  return new Adapter(model);
}

describe('oidc payload adapter', () => {
  test('upsert then find returns the payload; another tenant or model does not see it', async () => {
    await adapter('t1', 'Session').upsert('s1', { uid: 'u1', accountId: 'a1' }, 60);
    assert.deepEqual(await adapter('t1', 'Session').find('s1'), { uid: 'u1', accountId: 'a1' });
    assert.equal(await adapter('t2', 'Session').find('s1'), undefined);
    assert.equal(await adapter('t1', 'Interaction').find('s1'), undefined);
    assert.deepEqual(await adapter('t1', 'Session').findByUid('u1'), { uid: 'u1', accountId: 'a1' });
    assert.equal(await adapter('t2', 'Session').findByUid('u1'), undefined);
  });

  test('upsert replaces; expired rows are invisible to find before the sweep deletes them', async () => {
    const a = adapter('t1', 'AccessToken');
    await a.upsert('at1', { grantId: 'g1', v: 1 }, 10);
    await a.upsert('at1', { grantId: 'g1', v: 2 }, 10);
    assert.equal((await a.find('at1'))?.v, 2);
    clock += 11_000;
    assert.equal(await a.find('at1'), undefined);
    const before = await store.db.selectFrom('oidc_payloads').select('id').where('id', '=', 'at1').execute();
    assert.equal(before.length, 1, 'still stored until the sweep');
    const swept = await sweepExpiredPayloads(store.db, clock);
    assert.ok(swept >= 1);
    const afterSweep = await store.db.selectFrom('oidc_payloads').select('id').where('id', '=', 'at1').execute();
    assert.equal(afterSweep.length, 0);
  });

  test('consume marks the payload consumed (epoch seconds) so a code cannot be replayed', async () => {
    const a = adapter('t1', 'AuthorizationCode');
    await a.upsert('c1', { grantId: 'g2' }, 60);
    assert.equal((await a.find('c1'))?.consumed, undefined);
    await a.consume('c1');
    assert.equal((await a.find('c1'))?.consumed, Math.floor(clock / 1000));
  });

  test('revokeByGrantId removes every artefact of the grant, only in this tenant', async () => {
    await adapter('t1', 'AccessToken').upsert('x1', { grantId: 'g3' }, 60);
    await adapter('t1', 'RefreshToken').upsert('x2', { grantId: 'g3' }, 60);
    await adapter('t1', 'RefreshToken').upsert('x3', { grantId: 'other' }, 60);
    await adapter('t2', 'RefreshToken').upsert('x4', { grantId: 'g3' }, 60);
    await adapter('t1', 'Grant').revokeByGrantId('g3');
    assert.equal(await adapter('t1', 'AccessToken').find('x1'), undefined);
    assert.equal(await adapter('t1', 'RefreshToken').find('x2'), undefined);
    assert.ok(await adapter('t1', 'RefreshToken').find('x3'));
    assert.ok(await adapter('t2', 'RefreshToken').find('x4'));
  });

  test('destroy deletes; findByUserCode finds by user code; clients come from the client source', async () => {
    const d = adapter('t1', 'DeviceCode');
    await d.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    assert.ok(await d.findByUserCode('ABCD-EFGH'));
    await d.destroy('d1');
    assert.equal(await d.findByUserCode('ABCD-EFGH'), undefined);
    assert.equal((await adapter('t1', 'Client').find('known'))?.client_id, 'known');
    assert.equal(await adapter('t1', 'Client').find('unknown'), undefined);
  });

  test('no expiry (expiresIn 0) keeps the row until destroyed', async () => {
    const a = adapter('t1', 'Grant');
    await a.upsert('g-forever', { accountId: 'a' }, 0);
    clock += 10 * 365 * 86_400_000;
    assert.ok(await a.find('g-forever'));
  });
});
