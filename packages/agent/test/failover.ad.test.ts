/**
 * Several DCs: a dead DC (refused, or hung in the TLS handshake) is skipped for the next one, a credential answer is
 * never retried elsewhere, all DCs down gives directory_unavailable, a slow DC hits the operation timeout
 * (directory_timeout), and none of these is ever invalid_credentials or an extra bad-password count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig, captureLog, counter, USER_BINDS, validatorFor } from './support/ad.ts';
import { type FaultProxy, refusedPort, startFaultProxy, startSilentServer } from './support/fault-proxy.ts';

let ad: AdTestbed;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  ad = await adTestbed();
});
after(async () => {
  for (const c of closers.reverse()) await c();
});

function live(ad: AdTestbed) {
  return { url: ad.ldapsUrl, serverName: ad.servername };
}

describe('failover', () => {
  test('a refused DC is skipped; the live one answers; the dead one is remembered', async () => {
    const dead = `ldaps://127.0.0.1:${await refusedPort()}`;
    const log = captureLog();
    const v = validatorFor(ad, adConfig(ad, { dcs: [{ url: dead, serverName: ad.servername }, live(ad)] }), log);
    closers.push(() => v.close());
    const u = ad.users.normal;
    const r = await v.validate(u.upn, u.password);
    assert.equal(r.outcome, 'ok');
    assert.equal(r.dc, `ldaps://${new URL(ad.ldapsUrl).host}`);
    assert.ok(log.lines.some((l) => JSON.parse(l).event === 'dc_down'));
    const health = await v.health();
    const deadHealth = health.dcs.find((d) => d.dc.startsWith('ldaps://127.0.0.1:'))!;
    assert.equal(deadHealth.markedDown, true);
    assert.equal(deadHealth.reachable, false);
    assert.equal(health.status, 'degraded');
    // A credential answer from the live DC is final: one bind, no retry on another DC.
    const before = await counter(v, USER_BINDS);
    assert.equal((await v.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
    assert.equal(await counter(v, USER_BINDS), before + 1);
  });

  test('a DC that accepts TCP but never finishes TLS is left after the connect timeout', async () => {
    const hung = await startSilentServer();
    closers.push(() => hung.close());
    const v = validatorFor(
      ad,
      adConfig(ad, { dcs: [{ url: hung.url, serverName: ad.servername }, live(ad)], timeouts: { connectMs: 300 } }),
    );
    closers.push(() => v.close());
    const r = await v.validate(ad.users.normal.upn, ad.users.normal.password);
    assert.equal(r.outcome, 'ok');
  });

  test('all DCs down -> directory_unavailable, never invalid_credentials, no bind sent', async () => {
    const v = validatorFor(
      ad,
      adConfig(ad, {
        dcs: [{ url: `ldaps://127.0.0.1:${await refusedPort()}` }, { url: `ldaps://127.0.0.1:${await refusedPort()}` }],
      }),
    );
    closers.push(() => v.close());
    const r = await v.validate(ad.users.normal.upn, ad.wrongPassword);
    assert.equal(r.outcome, 'directory_unavailable');
    // Remembered as down: the next attempt probes one DC only and answers the same.
    assert.equal((await v.validate(ad.users.normal.upn, ad.wrongPassword)).outcome, 'directory_unavailable');
    assert.equal(await counter(v, USER_BINDS), 0);
    assert.equal((await v.health()).status, 'down');
  });

  test('all DCs hung -> directory_unavailable after the connect timeouts, not TCP retries', async () => {
    const a = await startSilentServer();
    const b = await startSilentServer();
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const v = validatorFor(
      ad,
      // No service account, so only the user bind connects (the prefetch would add its own connection per DC).
      adConfig(ad, {
        dcs: [{ url: a.url }, { url: b.url }],
        timeouts: { connectMs: 200, overallMs: 60000 },
        serviceAccount: undefined,
      }),
    );
    closers.push(() => v.close());
    const r = await v.validate(ad.users.normal.upn, ad.users.normal.password);
    assert.equal(r.outcome, 'directory_unavailable');
    assert.deepEqual([a.accepted(), b.accepted()], [1, 1]);
    // Both are now marked down: the next attempt probes only the one whose mark ends first (one connect timeout).
    assert.equal((await v.validate(ad.users.normal.upn, ad.users.normal.password)).outcome, 'directory_unavailable');
    assert.equal(a.accepted() + b.accepted(), 3);
  });
});

describe('slow DC', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy({ host: ad.host, port: ad.ldapsPort });
    closers.push(() => proxy.close());
  });

  test('answers slower than the operation timeout -> directory_timeout, no retry elsewhere', async () => {
    const log = captureLog();
    const v = validatorFor(
      ad,
      adConfig(ad, {
        dcs: [{ url: proxy.url('ldaps'), serverName: ad.servername }, live(ad)],
        timeouts: { connectMs: 5000, operationMs: 250, overallMs: 20000 },
        serviceAccount: undefined,
      }),
      log,
    );
    closers.push(() => v.close());
    const u = await ad.createUser({ prefix: 'slow' });
    // Warm a connection through the proxy, then make the DC slow.
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'ok');
    proxy.latencyMs = 1000;
    const before = await counter(v, USER_BINDS);
    const r = await v.validate(u.upn, u.password);
    proxy.latencyMs = 0;
    assert.equal(r.outcome, 'directory_timeout');
    assert.equal(r.dc, proxy.url('ldaps'));
    // The bind was written: the attempt ends there (the slow DC may count it); no second bind on the live DC.
    assert.equal(await counter(v, USER_BINDS), before + 1);
    assert.ok(log.lines.some((l) => JSON.parse(l).outcome === 'directory_timeout'));
  });

  test('the overall timeout bounds an attempt', async () => {
    const v = validatorFor(
      ad,
      adConfig(ad, {
        dcs: [{ url: proxy.url('ldaps'), serverName: ad.servername }],
        timeouts: { connectMs: 20000, operationMs: 20000, overallMs: 300 },
      }),
    );
    closers.push(() => v.close());
    proxy.latencyMs = 1000;
    const r = await v.validate(ad.users.normal.upn, ad.users.normal.password);
    proxy.latencyMs = 0;
    assert.equal(r.outcome, 'directory_timeout');
  });
});
