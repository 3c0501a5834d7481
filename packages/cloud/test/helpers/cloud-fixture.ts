import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigFlags, loadCloudConfig } from '../../src/config/index.ts';
import type { CloudPlugin } from '../../src/context.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { type RunningCloud, startCloud } from '../../src/start.ts';
import type { Store } from '../../src/store/index.ts';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience.
  json: any;
}

export interface TestCloud {
  cloud: RunningCloud;
  dataDir: string;
  ca: string;
  announced: string[];
  token: string;
  /** HTTPS request to the running server (no connection pooling: nothing stays open). */
  http(
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: unknown; rawBody?: string },
  ): Promise<HttpResult>;
  /** http() with the admin bearer token and a JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<HttpResult>;
  close(): Promise<void>;
}

/** A real cloud over HTTPS on an ephemeral loopback port, with a SQLite file in a fresh temp directory. */
export async function startTestCloud(
  options: { plugins?: CloudPlugin[]; flags?: ConfigFlags; dataDir?: string; store?: Store; logger?: Logger } = {},
): Promise<TestCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'openpta-cloud-'));
  const config = loadCloudConfig({ flags: { dataDir, port: 0, logLevel: 'silent', ...options.flags }, env: {} });
  const announced: string[] = [];
  let cloud: RunningCloud;
  try {
    cloud = await startCloud(config, {
      plugins: options.plugins,
      store: options.store,
      logger: options.logger ?? createLogger('silent'),
      announce: (line) => announced.push(line),
    });
  } catch (error) {
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const ca = readFileSync(cloud.ctx.tls.caFile!, 'utf8');
  const token = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')).token as string;
  const http: TestCloud['http'] = (method, path, { headers = {}, body, rawBody } = {}) =>
    new Promise((resolve, reject) => {
      const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const req = request(
        `${cloud.adminUrl}${path}`,
        {
          method,
          ca,
          agent: false,
          timeout: 10_000,
          headers: {
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('test request timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  return {
    cloud,
    dataDir,
    ca,
    announced,
    token,
    http,
    admin: (method, path, body) =>
      http(method, path, { headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) }),
    close: async () => {
      await cloud.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
