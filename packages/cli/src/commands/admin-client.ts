import { request as httpsRequest } from 'node:https';
import type { AdminConnection } from './admin-connection.ts';

/** A non-2xx answer from the admin API, with its stable error code. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: unknown;
  constructor(status: number, code: string, message: string, body: unknown) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

const TIMEOUT_MS = 15_000;

/** One JSON request to the admin API over HTTPS (trusting `ca` when given, e.g. the dev CA). */
export function adminRequest(
  connection: AdminConnection,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(`${connection.url}${path}`);
  if (url.protocol !== 'https:') return Promise.reject(new Error(`admin API URL must be https: ${connection.url}`));
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: connection.ca,
        timeout: TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${connection.token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolvePromise(parsed);
          const err = (parsed ?? {}) as { error?: string; message?: string };
          reject(
            new AdminApiError(
              status,
              err.error ?? `http_${status}`,
              err.message ?? `admin API answered HTTP ${status}`,
              parsed,
            ),
          );
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`admin API at ${connection.url} did not answer within ${TIMEOUT_MS} ms`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof AdminApiError) return reject(error);
      const hint =
        error.code === 'ECONNREFUSED'
          ? 'is `openpta serve` running?'
          : error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN'
            ? 'pass --ca-file with the CA that issued the server certificate (the dev CA path is printed at start-up)'
            : '';
      reject(new Error(`cannot reach the admin API at ${connection.url}: ${error.message}${hint ? `; ${hint}` : ''}`));
    });
    req.end(payload);
  });
}
