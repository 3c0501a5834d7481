/**
 * A TCP proxy in front of a real DC, for fault tests: it forwards bytes untouched (TLS stays end-to-end), and can add
 * latency to the DC's answers or cut every open connection at once (what AD does after MaxConnIdleTime).
 */
import net from 'node:net';

export interface FaultProxy {
  readonly port: number;
  readonly url: (scheme: 'ldaps' | 'ldap') => string;
  /** Milliseconds added before each chunk from the DC reaches the client. */
  latencyMs: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Closes every open connection (both sides), as a DC does to idle connections. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }, host = '127.0.0.1'): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const proxy: { latencyMs: number } = { latencyMs: 0 };
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const both = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', both).on('close', both);
    upstream.on('error', both).on('close', both);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (proxy.latencyMs > 0) {
        const t = setTimeout(() => client.destroyed || client.write(chunk), proxy.latencyMs);
        client.once('close', () => clearTimeout(t));
      } else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(proxy, {
    port,
    url: (scheme: 'ldaps' | 'ldap') => `${scheme}://${host}:${port}`,
    accepted: () => accepted,
    dropAll: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A server that accepts TCP connections and never says a word (a hung DC: TLS handshakes never finish). */
export async function startSilentServer(
  host = '127.0.0.1',
): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldaps://${host}:${port}`,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening: connections are refused at once. */
export async function refusedPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
