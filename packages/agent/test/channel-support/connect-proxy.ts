/**
 * A minimal HTTP CONNECT forward proxy for tests (RFC 9110 section 9.3.6): it opens TCP tunnels to loopback targets
 * only and counts them, so a test can prove the agent's connection really went through it.
 */
import http from 'node:http';
import net from 'node:net';

export interface TestConnectProxy {
  readonly url: string;
  /** host:port of every tunnel opened, in order. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(options: { requireAuth?: string } = {}): Promise<TestConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const expected = options.requireAuth;
    if (
      expected !== undefined &&
      req.headers['proxy-authorization'] !== `Basic ${Buffer.from(expected).toString('base64')}`
    ) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    const host = match?.[1]?.replace(/^\[|\]$/g, '');
    if (match === null || host === undefined || !(host === 'localhost' || host.startsWith('127.') || host === '::1')) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host, port: Number(match[2]) }, () => {
      tunnels.push(`${host}:${match[2]}`);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
