import { request } from 'node:https';
import { identityErrorSchema } from '@openpta/protocol';
import { openCloudSocket } from './cloud-socket.ts';
import { cloudTlsOptions } from './cloud-trust.ts';
import { AgentIdentityError } from './errors.ts';

const REQUEST_TIMEOUT_MS = 30_000;

export interface IdentityRequestOptions {
  cloudCaPem: string;
  /** Client certificate and key (renewal: mutual TLS). */
  cert?: string;
  key?: string;
  timeoutMs?: number | undefined;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never. */
  proxyUrl?: string | null | undefined;
}

/**
 * One JSON POST to the cloud's identity API over TLS that trusts only the pinned cloud CA (full chain and host name
 * verification). Resolves with the parsed body of a 2xx answer; rejects with AgentIdentityError (CLOUD_REFUSED with
 * the cloud's reason code, CLOUD_UNREACHABLE, CLOUD_BAD_RESPONSE).
 */
export async function postIdentityRequest(url: URL, body: unknown, options: IdentityRequestOptions): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  // Our own TLS socket (direct or through the proxy), verified against the pinned CA before the request is written.
  const socket = await openCloudSocket(url, {
    tls: {
      ...cloudTlsOptions(options.cloudCaPem),
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
    },
    proxyUrl: options.proxyUrl,
    timeoutMs: options.timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        // The connection made above; no agent, so no pooled socket is ever reused with another identity.
        createConnection: () => socket,
        timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
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
          socket.destroy();
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
      socket.destroy();
      reject(error instanceof AgentIdentityError ? error : new AgentIdentityError('CLOUD_UNREACHABLE', error.message));
    });
    req.end(payload);
  });
}
