/**
 * The oidc-provider storage adapter on the store (table oidc_payloads): tenant isolation, expiry (find ignores
 * expired rows before the sweep deletes them), consume (replay detection), grant revocation cascade, the sweep.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  createPayloadAdapter,
  ensureSigningKeys,
  loadSigningJwks,
  rotateSigningKeyInStore,
  sweepExpiredPayloads,
} from '../src/oidc/index.ts';
import { migrateToLatest, openDatabase, type Store } from '../src/store/index.ts';

/** Same local PostgreSQL as store-postgres.test.ts (not skipped when missing: the SQL must run there too). */
const PG_ADMIN_URL = process.env.OPENPTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pgAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  storageSuite(dialect);
}

function storageSuite(dialect: 'sqlite' | 'postgres'): void {
  let store: Store;
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const pgName = `openpta_oidc_${randomBytes(6).toString('hex')}`;

  before(async () => {
    if (dialect === 'sqlite') {
      store = openDatabase('sqlite::memory:');
    } else {
      await pgAdmin(`create database ${pgName}`);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${pgName}`;
      store = openDatabase(url.toString());
    }
    await migrateToLatest(store);
  });
  after(async () => {
    await store?.close();
    if (dialect === 'postgres') await pgAdmin(`drop database if exists ${pgName}`);
  });

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

  describe(`oidc payload adapter (${dialect})`, () => {
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

  describe(`signing keys in the store (${dialect})`, () => {
    test('ensure, rotate, prune: active first, others verify-only, retired kept until its tokens expired', async () => {
      const t0 = 1_900_000_000_000;
      await ensureSigningKeys(store.db, 'kt', t0);
      await ensureSigningKeys(store.db, 'kt', t0);
      const initial = await loadSigningJwks(store.db, 'kt', t0);
      assert.equal(initial.keys.length, 2, 'ensure is idempotent');
      assert.equal(initial.keys[0]?.key_ops, undefined, 'the active key may sign');
      assert.deepEqual(initial.keys[1]?.key_ops, ['verify'], 'the next key may only verify');
      assert.equal(typeof initial.keys[0]?.d, 'string', 'private JWK for the provider');
      const [active, next] = initial.keys.map((k) => k.kid);
      const r1 = await rotateSigningKeyInStore(store.db, 'kt', { maxTokenTtlSeconds: 3600, now: () => t0 + 1000 });
      assert.deepEqual([r1.activeKid, r1.retiredKid], [next, active]);
      const mid = await loadSigningJwks(store.db, 'kt', t0 + 2000);
      assert.deepEqual(
        mid.keys.map((k) => k.kid),
        [next, r1.nextKid, active],
      );
      const r2 = await rotateSigningKeyInStore(store.db, 'kt', {
        maxTokenTtlSeconds: 3600,
        now: () => t0 + 3_700_000,
      });
      const late = await loadSigningJwks(store.db, 'kt', t0 + 3_700_000);
      assert.ok(!late.keys.some((k) => k.kid === active), 'expired retired key pruned');
      assert.deepEqual(
        late.keys.map((k) => k.kid),
        [r1.nextKid, r2.nextKid, next],
      );
      assert.equal((await loadSigningJwks(store.db, 'other', t0)).keys.length, 0, 'keys are per tenant');
    });
  });
}
