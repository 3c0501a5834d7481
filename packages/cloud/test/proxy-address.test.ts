/**
 * Which address is "the client" behind a reverse proxy (config trustedProxies -> fastify trustProxy): the rate limit
 * and the sign-in log see the X-Forwarded-For client only when the TCP peer is a trusted proxy; otherwise the peer.
 * The untrusted peer binds to 127.0.1.66 (as protection-ad-browser.test.ts does) while the trusted proxy is 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { ConfigError, loadCloudConfig } from '../src/config/index.ts';
import type { CredentialVerifier } from '../src/credentials/index.ts';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { SignInLogStore } from '../src/sign-in-log/index.ts';
import { HttpSession } from './support/http-session.ts';
import { type Harness, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, submitSignIn } from './support/oidc-rp.ts';

const UNTRUSTED_PEER = '127.0.1.66';
const PER_IP = 2;

/** The directory is not what is tested: every password is wrong, so each attempt is one logged failure. */
const verifier: CredentialVerifier = {
  verifyPassword: async () => ({ outcome: 'invalid_credentials' }),
  changePassword: async () => ({ outcome: 'directory_error' }),
};

function startProxyHarness(trustedProxies?: string[]): Promise<Harness> {
  return startHarness({
    verifier,
    ...(trustedProxies ? { trustedProxies } : {}),
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: PER_IP, durationSeconds: 600 } } }) },
  });
}

/** A fetch that sends X-Forwarded-For on every request, optionally from another source address. */
function forwardingFetch(h: Harness, forwardedFor: string, dispatcher: Agent = h.dispatcher): typeof undiciFetch {
  return ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
    undiciFetch(input, {
      redirect: 'manual',
      ...init,
      dispatcher,
      headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': forwardedFor },
    })) as typeof undiciFetch;
}

/** One wrong-password sign-in through `fetchFn`; returns the status of the answer to the form post. */
async function attempt(h: Harness, fetchFn: typeof undiciFetch, username: string): Promise<number> {
  const { clientId, clientSecret } = await h.createClient();
  const rp = await discoverRp(h, clientId, clientSecret);
  const session = new HttpSession(fetchFn);
  const page = await openSignIn(h, session, (await authorizationRequest(rp)).url);
  assert.equal(page.status, 200, page.body.slice(0, 300));
  return (await submitSignIn(h, session, page, username, 'wrong-password')).status;
}

async function loggedIps(h: Harness, username: string): Promise<string[]> {
  const page = await new SignInLogStore(h.cloud.ctx.store.db).query({ tenantId: h.tenant.id, user: username });
  return page.records.map((r) => r.ip);
}

describe('no trusted proxies (the default)', () => {
  let h: Harness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h?.close());

  test('a forged X-Forwarded-For is ignored: the rate limit and the sign-in log see the TCP peer', async () => {
    const user = 'forger@corp.example.test';
    for (let i = 0; i < PER_IP; i++) {
      assert.equal(await attempt(h, forwardingFetch(h, `203.0.113.${i + 1}`), user), 200);
    }
    // A fresh forged address each time does not buy a fresh budget: every attempt counts against 127.0.0.1.
    assert.equal(await attempt(h, forwardingFetch(h, '203.0.113.50'), user), 429);
    const ips = await loggedIps(h, user);
    assert.ok(ips.length >= PER_IP);
    assert.deepEqual(new Set(ips), new Set(['127.0.0.1']));
  });
});

describe('127.0.0.1 trusted as a reverse proxy', () => {
  let h: Harness;
  let untrusted: Agent;
  before(async () => {
    h = await startProxyHarness(['127.0.0.1']);
    untrusted = new Agent({ connect: { ca: h.caPem }, localAddress: UNTRUSTED_PEER });
  });
  after(async () => {
    await untrusted?.close();
    await h?.close();
  });

  test('the sign-in log records the forwarded client, and the per-IP limit counts per forwarded client', async () => {
    const user = 'proxied@corp.example.test';
    const clientA = forwardingFetch(h, '203.0.113.10');
    for (let i = 0; i < PER_IP; i++) assert.equal(await attempt(h, clientA, user), 200);
    assert.equal(await attempt(h, clientA, user), 429, 'client A has spent its budget');
    assert.equal(await attempt(h, forwardingFetch(h, '203.0.113.20'), user), 200, 'client B has its own budget');
    const ips = await loggedIps(h, user);
    assert.deepEqual(new Set(ips), new Set(['203.0.113.10', '203.0.113.20']));
  });

  test('in a chain, the client is the nearest untrusted hop (a client cannot prepend its own choice)', async () => {
    const user = 'chained@corp.example.test';
    assert.equal(await attempt(h, forwardingFetch(h, '198.51.100.9, 203.0.113.30'), user), 200);
    assert.deepEqual(await loggedIps(h, user), ['203.0.113.30']);
  });

  test('X-Forwarded-For from an untrusted peer is ignored: the log and the limit see that peer', async () => {
    const user = 'untrusted@corp.example.test';
    for (let i = 0; i < PER_IP; i++) {
      assert.equal(await attempt(h, forwardingFetch(h, `203.0.113.${100 + i}`, untrusted), user), 200);
    }
    assert.equal(await attempt(h, forwardingFetch(h, '203.0.113.150', untrusted), user), 429);
    const ips = await loggedIps(h, user);
    assert.ok(ips.length >= PER_IP);
    assert.deepEqual(new Set(ips), new Set([UNTRUSTED_PEER]));
  });
});

describe('trustedProxies configuration', () => {
  const load = (env: Record<string, string>) =>
    loadCloudConfig({ flags: { dataDir: '/tmp/openpta-proxy-config' }, env });

  test('defaults to none; the environment takes a comma-separated list of IPs and CIDR ranges', () => {
    assert.deepEqual(load({}).trustedProxies, []);
    assert.deepEqual(load({ OPENPTA_TRUSTED_PROXIES: ' 10.0.0.5, 10.0.0.0/8 ,fd00::/8,' }).trustedProxies, [
      '10.0.0.5',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
  });

  test('a config file takes a YAML list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpta-proxy-'));
    try {
      const file = join(dir, 'cloud.yaml');
      writeFileSync(file, 'trustedProxies:\n  - 192.0.2.10\n  - 2001:db8::/32\n');
      assert.deepEqual(load({ OPENPTA_CONFIG: file }).trustedProxies, ['192.0.2.10', '2001:db8::/32']);
      writeFileSync(file, 'trustedProxies: 12\n');
      assert.throws(() => load({ OPENPTA_CONFIG: file }), /trustedProxies: must be a list of IP addresses/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [value, expected] of [
    ['proxy.example.test', /"proxy\.example\.test" is not an IP address or CIDR range/],
    ['10.0.0.0/33', /"10\.0\.0\.0\/33" has an invalid prefix length \(0-32 for IPv4\)/],
    ['fd00::/129', /invalid prefix length \(0-128 for IPv6\)/],
    ['10.0.0.0/8/8', /is not an IP address or CIDR range/],
    ['0.0.0.0/0', /would trust every address/],
    ['::/0', /would trust every address/],
  ] as const) {
    test(`refuses ${value} with an error naming the field and where to set it`, () => {
      assert.throws(
        () => load({ OPENPTA_TRUSTED_PROXIES: `10.0.0.1,${value}` }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.issues.length === 1 &&
          error.issues[0]?.field === 'trustedProxies' &&
          expected.test(error.message) &&
          error.message.includes('OPENPTA_TRUSTED_PROXIES'),
      );
    });
  }
});
