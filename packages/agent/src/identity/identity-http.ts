import { request } from 'node:https';
import { isIP } from 'node:net';
import { identityErrorSchema } from '@openpta/protocol';
import { cloudTlsOptions } from './cloud-trust.ts';
import { AgentIdentityError } from './errors.ts';

const REQUEST_TIMEOUT_MS = 30_000;

export interface IdentityRequestOptions {
  cloudCaPem: string;
  /** Client certificate and key (renewal: mutual TLS). */
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

/**
 * One JSON POST to the cloud's identity API over TLS that trusts only the pinned cloud CA (full chain and host name
 * verification). Resolves with the parsed body of a 2xx answer; rejects with AgentIdentityError (CLOUD_REFUSED with
 * the cloud's reason code, CLOUD_UNREACHABLE, CLOUD_BAD_RESPONSE).
 */
export function postIdentityRequest(url: URL, body: unknown, options: IdentityRequestOptions): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ...cloudTlsOptions(options.cloudCaPem),
        ...(isIP(host) ? {} : { servername: host }),
        ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
        timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
        // A fresh connection: never reuse a pooled socket with another identity.
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 256 * 1024) req.destroy(new AgentIdentityError('CLOUD_BAD_RESPONSE', 'answer too large'));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (parsed === undefined) reject(new AgentIdentityError('CLOUD_BAD_RESPONSE', 'not JSON'));
            else resolve(parsed);
            return;
          }
          const error = identityErrorSchema.safeParse(parsed);
          const reason = error.success ? (error.data.reason ?? error.data.error) : `HTTP_${status}`;
          const message = error.success ? error.data.message : `HTTP ${status}`;
          reject(new AgentIdentityError('CLOUD_REFUSED', `${message} [${reason}]`, { reason, status }));
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new AgentIdentityError('CLOUD_UNREACHABLE', `${url.host} did not answer in time`)),
    );
    req.on('error', (error) => {
      reject(error instanceof AgentIdentityError ? error : new AgentIdentityError('CLOUD_UNREACHABLE', error.message));
    });
    req.end(payload);
  });
}
