/**
 * Baseline of agents-idle.bench.ts, in its own process: the same number of bare mutual-TLS connections to a
 * node:tls server (no WebSocket, no application), so the figure says what Node's TLS itself costs per connection.
 * Prints one JSON line: { connections, rssPerConnection, jsPerConnection } in bytes.
 */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createTestPki } from '../packages/cloud/test/agent-channel-support/test-pki.ts';

interface Start {
  readonly n: number;
  readonly port: number;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

if (process.argv[3] === 'client') {
  const sockets: tls.TLSSocket[] = [];
  process.on('message', async (m: Start) => {
    for (let i = 0; i < m.n; i += 50) {
      await Promise.all(
        Array.from(
          { length: Math.min(50, m.n - i) },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = tls.connect(
                { host: '127.0.0.1', port: m.port, ca: m.ca, cert: m.cert, key: m.key, servername: 'localhost' },
                () => resolve(),
              );
              s.on('error', reject);
              sockets.push(s);
            }),
        ),
      );
    }
    process.send?.('ok');
  });
} else {
  const n = Number(process.argv[2] ?? 2000);
  const pki = await createTestPki();
  // Ed25519, like the certificates of real agents: the server keeps each peer's certificate and key.
  const agent = await pki.issueAgent('floor', { keyAlgorithm: 'Ed25519' });
  const held: tls.TLSSocket[] = [];
  const server = tls.createServer(
    { cert: pki.server.cert, key: pki.server.key, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
    (s) => {
      held.push(s);
      s.on('error', () => {});
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return process.memoryUsage();
  };
  /** `OPENPTA_FLOOR_HEAPSNAPSHOT=<path>`: heap snapshots as in agents-idle.bench.ts (a variable of its own, so the
   * bench's run of this script does not overwrite the bench's snapshots). */
  const heapSnapshot = async (suffix: string) => {
    const path = process.env.OPENPTA_FLOOR_HEAPSNAPSHOT;
    if (path) (await import('node:v8')).writeHeapSnapshot(`${path}${suffix}`);
  };
  const before = await settle();
  await heapSnapshot('.before');
  const child = fork(import.meta.filename, [String(n), 'client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ n, port: (server.address() as AddressInfo).port, ca: pki.caCert, cert: agent.cert, key: agent.key });
  });
  const after = await settle();
  await heapSnapshot('');
  console.log(
    JSON.stringify({
      connections: held.length,
      rssPerConnection: (after.rss - before.rss) / held.length,
      jsPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / held.length,
    }),
  );
  child.kill();
  process.exit(0);
}
