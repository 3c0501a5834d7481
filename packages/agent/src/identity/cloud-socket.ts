import { isIP } from 'node:net';
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import { openProxyTunnel, proxyFromEnvironment } from '../channel/proxy-tunnel.ts';
import { AgentIdentityError } from './errors.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export interface CloudSocketOptions {
  /** TLS options (trust, client certificate); host, port and servername are set here. */
  tls: ConnectionOptions;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never. */
  proxyUrl?: string | null | undefined;
  timeoutMs?: number | undefined;
}

/**
 * A TLS connection to the cloud, direct or through an HTTP CONNECT proxy (TLS runs end to end inside the tunnel: the
 * proxy sees neither keys nor content). Resolves once the handshake (and its verification) is done.
 */
export async function openCloudSocket(url: URL, options: CloudSocketOptions): Promise<TLSSocket> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const proxyUrl = options.proxyUrl === undefined ? proxyFromEnvironment(url) : (options.proxyUrl ?? undefined);
  let tunnel: Awaited<ReturnType<typeof openProxyTunnel>> | undefined;
  if (proxyUrl !== undefined) {
    try {
      tunnel = await openProxyTunnel({ proxyUrl, targetHost: host, targetPort: port, timeoutMs });
    } catch (error) {
      throw new AgentIdentityError(
        'CLOUD_UNREACHABLE',
        `through proxy ${new URL(proxyUrl).host}: ${(error as Error).message}`,
      );
    }
  }
  return new Promise((resolve, reject) => {
    const socket = connect({
      ...options.tls,
      host,
      port,
      ...(tunnel ? { socket: tunnel } : {}),
      ...(isIP(host) ? {} : { servername: host }),
    });
    const timer = setTimeout(
      () => fail(new AgentIdentityError('CLOUD_UNREACHABLE', `no TLS handshake with ${host}:${port}`)),
      timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      tunnel?.destroy();
      reject(error);
    };
    socket.once('error', (error) =>
      fail(
        error instanceof AgentIdentityError
          ? error
          : new AgentIdentityError('CLOUD_UNREACHABLE', `${host}:${port}: ${error.message}`),
      ),
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
