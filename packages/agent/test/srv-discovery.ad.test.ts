/**
 * DC discovery by DNS SRV (`_ldap._tcp.dc._msdcs.<domain>`) through node:dns against a real (loopback) DNS server:
 * the lower-priority record is tried first; when it is dead, the next one answers; the certificate is checked against
 * the SRV target name.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig, validatorFor } from './support/ad.ts';
import { startDnsServer } from './support/dns-server.ts';
import { refusedPort } from './support/fault-proxy.ts';

let ad: AdTestbed;
let dns: Awaited<ReturnType<typeof startDnsServer>>;
let deadPort: number;

before(async () => {
  ad = await adTestbed();
  deadPort = await refusedPort();
  dns = await startDnsServer({
    srv: {
      [`_ldap._tcp.dc._msdcs.${ad.domain}`]: [
        { priority: 0, weight: 100, port: deadPort, target: `dc0.${ad.domain}` },
        { priority: 10, weight: 100, port: ad.ldapPort, target: ad.servername },
      ],
    },
    a: { [`dc0.${ad.domain}`]: '127.0.0.1', [ad.servername]: ad.host },
  });
});
after(() => dns.close());

test('SRV-discovered DCs in priority order, failover from the dead one, TLS name from the SRV target', async () => {
  const v = validatorFor(
    ad,
    adConfig(ad, {
      dcs: [],
      domain: ad.domain,
      discovery: { srv: true, servers: [dns.server] },
      tls: { mode: 'starttls', caFile: ad.caFile },
    }),
  );
  try {
    const r = await v.validate(ad.users.normal.upn, ad.users.normal.password);
    assert.equal(r.outcome, 'ok');
    assert.equal(r.dc, `ldap://${ad.host}:${ad.ldapPort}`);
    assert.deepEqual(dns.queries.slice(0, 1), [`SRV _ldap._tcp.dc._msdcs.${ad.domain}`]);
    const health = await v.health();
    assert.deepEqual(
      health.dcs.map((d) => [d.dc, d.markedDown]),
      [
        [`ldap://127.0.0.1:${deadPort}`, true],
        [`ldap://${ad.host}:${ad.ldapPort}`, false],
      ],
    );
  } finally {
    await v.close();
  }
});

test('a domain with no SRV records and no configured DC -> directory_unavailable', async () => {
  const v = validatorFor(
    ad,
    adConfig(ad, { dcs: [], domain: 'nowhere.test', discovery: { srv: true, servers: [dns.server] } }),
  );
  try {
    assert.equal((await v.validate(ad.users.normal.upn, ad.users.normal.password)).outcome, 'directory_unavailable');
  } finally {
    await v.close();
  }
});
