import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type LockoutStore,
  lockoutDigestKey,
  lockoutSettingsSchema,
  MemoryLockoutStore,
  SmartLockout,
  SqlLockoutStore,
} from '../src/protection/index.ts';
import { onEveryDatabase, type TestDatabase } from './sign-in-log-databases.ts';

/**
 * One conformance suite for every LockoutStore: the memory store and the SQL store on SQLite and PostgreSQL. Keys are
 * unique per test, so the suites share a database safely.
 */
function clock(start = Date.UTC(2026, 10, 25, 12)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

let unique = 0;
const key = (name: string) => `${name}-${process.pid}-${++unique}`;

function conformance(makeStore: (now: () => number) => LockoutStore, secondNode?: (now: () => number) => LockoutStore) {
  it('update/get/delete with TTL', async () => {
    const c = clock();
    const store = makeStore(c.now);
    const k = key('basic');
    assert.equal(await store.get(k), undefined);
    assert.deepEqual(await store.update(k, 1000, (v: { n: number } | undefined) => ({ n: (v?.n ?? 0) + 1 })), { n: 1 });
    assert.deepEqual(await store.update(k, 1000, (v: { n: number } | undefined) => ({ n: (v?.n ?? 0) + 1 })), { n: 2 });
    assert.deepEqual(await store.get(k), { n: 2 });
    c.advance(1000);
    assert.equal(await store.get(k), undefined, 'expired');
    assert.deepEqual(await store.update(k, 1000, (v: { n: number } | undefined) => ({ n: (v?.n ?? 0) + 1 })), { n: 1 });
    assert.equal(await store.update(k, 1000, () => undefined), undefined);
    assert.equal(await store.get(k), undefined, 'undefined deletes');
    await store.update(k, 1000, () => 'x');
    await store.delete(k);
    assert.equal(await store.get(k), undefined);
  });

  it('parallel updates of one key are never lost (also from a second node)', async () => {
    const c = clock();
    const stores = [makeStore(c.now), (secondNode ?? makeStore)(c.now)];
    const k = key('parallel');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores[i % 2]!.update(k, 60_000, (v: number | undefined) => (v ?? 0) + 1)),
    );
    assert.equal(await stores[0]!.get(k), 40);
  });

  it('drives a SmartLockout: threshold, repeated password, familiar network, unlock', async () => {
    const c = clock();
    const digestKey = lockoutDigestKey(Buffer.alloc(32, 9));
    const lockout = new SmartLockout({ store: makeStore(c.now), now: c.now, digestKey });
    // Another node with the same shared store and digest key sees the same state.
    const other = new SmartLockout({ store: (secondNode ?? makeStore)(c.now), now: c.now, digestKey });
    const settings = lockoutSettingsSchema.parse({ threshold: 2, durationSeconds: 60 });
    const tenantId = key('tenant');
    const subject = { tenantId, username: 'alice', settings };
    await lockout.recordSignInSuccess({ tenantId, username: 'alice', ip: '192.0.2.5' });
    const fail = async (l: SmartLockout, password: string) => {
      const gate = await l.beginPassword({ ...subject, ip: '198.51.100.1' });
      assert.equal(gate.locked, false);
      if (!gate.locked) return gate.finish({ outcome: 'invalid_credentials', password });
      throw new Error('locked');
    };
    assert.equal((await fail(lockout, 'a')).counted, true);
    assert.equal((await fail(other, 'a')).repeatedPassword, true, 'the same wrong password on another node');
    assert.equal((await fail(other, 'b')).locked, true);
    const locked = await lockout.beginPassword({ ...subject, ip: '198.51.100.1' });
    assert.ok(locked.locked && locked.retryAfterSeconds === 60);
    const familiar = await other.beginPassword({ ...subject, ip: '192.0.2.77' });
    assert.equal(familiar.locked, false, 'the familiar network is known to the other node too');
    if (!familiar.locked) familiar.abandon();
    await other.unlock(subject);
    const open = await lockout.beginPassword({ ...subject, ip: '198.51.100.1' });
    assert.equal(open.locked, false);
    if (!open.locked) open.abandon();
  });
}

describe('lockout store conformance (memory)', () => {
  const shared = new Map<() => number, MemoryLockoutStore>();
  // "Another node" with the memory store is the same process: the same store instance.
  const make = (now: () => number) => {
    let store = shared.get(now);
    if (!store) {
      store = new MemoryLockoutStore({ now });
      shared.set(now, store);
    }
    return store;
  };
  conformance(make);
});

onEveryDatabase('lockout store conformance (SQL)', (database: () => TestDatabase) => {
  const make = (now: () => number) => {
    const { store } = database();
    return new SqlLockoutStore({ db: store.db, dialect: store.dialect, now });
  };
  const second = (now: () => number) => {
    const another = database().secondConnection();
    return new SqlLockoutStore({ db: another.db, dialect: another.dialect, now });
  };
  conformance(make, second);

  it('sweepExpired removes expired rows only', async () => {
    const c = clock();
    const store = make(c.now);
    const live = key('live');
    const dead = key('dead');
    await store.update(dead, 1000, () => 1);
    await store.update(live, 10_000, () => 2);
    c.advance(5000);
    assert.ok((await store.sweepExpired()) >= 1);
    assert.equal(await store.get(live), 2);
    const rows = await database().store.db.selectFrom('lockout_state').select('key').where('key', '=', dead).execute();
    assert.deepEqual(rows, []);
  });
});
