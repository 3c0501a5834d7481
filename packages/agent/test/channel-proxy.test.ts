/**
 * The agent's way out through a forward proxy (RFC 9110 section 9.3.6 CONNECT) and its reconnect delays.
 * The end-to-end sign-in through a proxy is in packages/cloud/test/agent-channel-transport.test.ts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { backoffDelay, openProxyTunnel, ProxyTunnelError, proxyFromEnvironment } from '../src/channel/index.ts';
import { startConnectProxy } from './channel-support/connect-proxy.ts';

describe('proxy from the environment', () => {
  const target = new URL('wss://cloud.example.com:8443/agent/v1/connect');
  test('HTTPS_PROXY (or https_proxy) is used unless NO_PROXY matches', () => {
    assert.equal(proxyFromEnvironment(target, {}), undefined);
    assert.equal(proxyFromEnvironment(target, { HTTPS_PROXY: 'http://proxy:3128' }), 'http://proxy:3128');
    assert.equal(proxyFromEnvironment(target, { https_proxy: 'http://p:1' }), 'http://p:1');
    for (const noProxy of [
      '*',
      'cloud.example.com',
      '.example.com',
      'example.com',
      'other.test, cloud.example.com:8443',
    ]) {
      assert.equal(proxyFromEnvironment(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }), undefined, noProxy);
    }
    assert.equal(proxyFromEnvironment(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'ample.com' }), 'http://p:1');
  });
});

describe('CONNECT tunnel', () => {
  test('tunnels to the target; the bytes after the proxy answer belong to the target', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const proxy = await startConnectProxy({ requireAuth: 'agent:s3cret' });
    try {
      const port = (echo.address() as net.AddressInfo).port;
      const url = new URL(proxy.url);
      url.username = 'agent';
      url.password = 's3cret';
      const socket = await openProxyTunnel({
        proxyUrl: url.href,
        targetHost: '127.0.0.1',
        targetPort: port,
        timeoutMs: 5000,
      });
      socket.write('hello');
      const data = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      assert.equal(data.toString(), 'hello');
      socket.destroy();
      assert.deepEqual(proxy.tunnels, [`127.0.0.1:${port}`]);
      // Without credentials the proxy answers 407: a clear error, no tunnel.
      await assert.rejects(
        openProxyTunnel({ proxyUrl: proxy.url, targetHost: '127.0.0.1', targetPort: port, timeoutMs: 5000 }),
        (e: unknown) => e instanceof ProxyTunnelError && /407/.test(e.message),
      );
    } finally {
      await proxy.close();
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  test('an unreachable proxy or a non-http proxy URL is a clear error', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      openProxyTunnel({ proxyUrl: `http://127.0.0.1:${port}`, targetHost: 'x', targetPort: 1, timeoutMs: 2000 }),
      /cannot reach proxy/,
    );
    await assert.rejects(
      openProxyTunnel({ proxyUrl: 'socks5://127.0.0.1:1080', targetHost: 'x', targetPort: 1, timeoutMs: 2000 }),
      /not supported/,
    );
  });
});

describe('reconnect backoff', () => {
  test('full jitter within [base/2, min(max, base * 2^attempt)]', () => {
    const o = { baseMs: 1000, maxMs: 60_000 };
    assert.equal(backoffDelay(0, { ...o, random: () => 0 }), 500);
    assert.equal(backoffDelay(3, { ...o, random: () => 0.999999 }), 7999);
    assert.equal(backoffDelay(30, { ...o, random: () => 0.999999 }), 59_999);
    assert.equal(backoffDelay(1000, { ...o, random: () => 0.5 }), 30_000);
  });
});
