/**
 * Connection pools: re-binds reuse one open TLS connection; when the DC drops idle connections (AD's
 * MaxConnIdleTime) the pool notices and reconnects without a failed sign-in; idle connections past idleTimeoutMs
 * are closed by the health sweep; concurrency never exceeds the pool size.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig, validatorFor } from './support/ad.ts';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.ts';

let ad: AdTestbed;
let proxy: FaultProxy;
before(async () => {
  ad = await adTestbed();
  proxy = await startFaultProxy({ host: ad.host, port: ad.ldapsPort });
});
after(() => proxy.close());

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await sleep(10);
}

function throughProxy(overrides = {}) {
  return adConfig(ad, { dcs: [{ url: proxy.url('ldaps'), serverName: ad.servername }], ...overrides });
}

test('sequential validations re-bind on one pooled connection', async () => {
  const v = validatorFor(ad, throughProxy({ serviceAccount: undefined, attributes: { groups: 'none' } }));
  try {
    const before = proxy.accepted();
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await v.validate(ad.users.normal.upn, i % 2 ? ad.wrongPassword : ad.users.normal.password)).outcome,
        i % 2 ? 'invalid_credentials' : 'ok',
      );
    }
    assert.equal(proxy.accepted() - before, 1);
  } finally {
    await v.close();
  }
});

test('after the DC drops idle connections the next sign-in reconnects and succeeds', async () => {
  const v = validatorFor(ad, throughProxy());
  try {
    const u = ad.users.normal;
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'ok');
    const opened = proxy.accepted();
    proxy.dropAll();
    // Let the client see the close (FIN/RST), as it would after AD's MaxConnIdleTime.
    await waitFor(async () => {
      const h = (await v.health()).dcs[0]!;
      return h.reachable;
    });
    const r = await v.validate(u.upn, u.password);
    assert.equal(r.outcome, 'ok');
    assert.ok(proxy.accepted() > opened, 'new connections were opened');
    const pools = (await v.health()).dcs[0]!.pools;
    assert.ok(pools.user!.discarded >= 1, 'the dropped user connection was discarded');
  } finally {
    await v.close();
  }
});

test('a drop right before use (no health check in between) still gives ok', async () => {
  const v = validatorFor(ad, throughProxy());
  try {
    const u = ad.users.normal;
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'ok');
    proxy.dropAll();
    await sleep(50);
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'ok');
  } finally {
    await v.close();
  }
});

test('the sweep closes connections idle longer than idleTimeoutMs', async () => {
  const v = validatorFor(
    ad,
    throughProxy({
      serviceAccount: undefined,
      attributes: { groups: 'none' },
      pool: { idleTimeoutMs: 1000, healthCheckIntervalMs: 100 },
    }),
  );
  try {
    assert.equal((await v.validate(ad.users.normal.upn, ad.users.normal.password)).outcome, 'ok');
    await waitFor(async () => (await v.health()).dcs[0]!.pools.user!.discarded >= 1);
    const stats = (await v.health()).dcs[0]!.pools.user!;
    assert.ok(stats.discarded >= 1);
  } finally {
    await v.close();
  }
});

test('concurrent validations share a bounded pool', async () => {
  const v = validatorFor(
    ad,
    throughProxy({ pool: { userBindsPerDc: 2, servicePerDc: 2 }, attributes: { groups: 'none' } }),
  );
  try {
    const before = proxy.accepted();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => v.validate(ad.users.normal.upn, ad.users.normal.password)),
    );
    assert.deepEqual(new Set(results.map((r) => r.outcome)), new Set(['ok']));
    const stats = (await v.health()).dcs[0]!.pools;
    assert.ok(stats.user!.opened <= 2, `opened ${stats.user!.opened} user connections`);
    // 2 user + at most 2 service connections (+1 health probe reuses the service pool).
    assert.ok(proxy.accepted() - before <= 4);
  } finally {
    await v.close();
  }
});
