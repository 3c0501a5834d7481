/**
 * The agent's local health and metrics endpoint (default 127.0.0.1:9464, the port OpenTelemetry's Prometheus
 * exporter uses): /healthz = the process runs, /readyz = connected to the cloud (503 with the state otherwise),
 * /metrics = Prometheus text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface HealthSource {
  ready(): { ready: boolean; detail: Record<string, unknown> };
  readonly registry: Registry;
}

export async function startHealthServer(host: string, port: number, source: HealthSource): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const { ready, detail } = source.ready();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not_ready', ...detail }));
      return;
    }
    if (path === '/metrics') {
      source.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': source.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
