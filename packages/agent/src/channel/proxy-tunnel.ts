/**
 * HTTP CONNECT tunnelling (RFC 9110 section 9.3.6) for agents behind a forward proxy: the agent asks the proxy for a
 * raw TCP tunnel to the cloud's host:port and then runs TLS (with its client certificate) end to end inside it, so
 * the proxy sees neither the certificate's private key nor any frame. A TLS-inspecting proxy breaks mutual TLS by
 * design: the agent then fails the handshake and says so in its log.
 */
import net from 'node:net';

export interface ProxyTunnelOptions {
  /** http://[user:pass@]host:port of the proxy. */
  readonly proxyUrl: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export class ProxyTunnelError extends Error {
  readonly code = 'PROXY_TUNNEL_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ProxyTunnelError';
  }
}

const MAX_RESPONSE_HEAD = 16 * 1024;

/** Opens a CONNECT tunnel and resolves with the raw socket once the proxy answered 2xx. */
export function openProxyTunnel(options: ProxyTunnelOptions): Promise<net.Socket> {
  const proxy = new URL(options.proxyUrl);
  if (proxy.protocol !== 'http:') {
    return Promise.reject(new ProxyTunnelError(`proxy ${proxy.protocol}// is not supported: use an http:// proxy URL`));
  }
  const authority = `${options.targetHost.includes(':') ? `[${options.targetHost}]` : options.targetHost}:${options.targetPort}`;
  const proxyPort = proxy.port === '' ? 80 : Number(proxy.port);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort });
    let head = Buffer.alloc(0);
    let done = false;
    const finish = (error: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error !== undefined) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const timer = setTimeout(
      () => finish(new ProxyTunnelError(`proxy ${proxy.host} did not answer CONNECT within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = (): void => finish(new ProxyTunnelError('aborted'));
    const onError = (error: Error): void =>
      finish(new ProxyTunnelError(`cannot reach proxy ${proxy.host}: ${error.message}`));
    const onClose = (): void =>
      finish(new ProxyTunnelError(`proxy ${proxy.host} closed the connection during CONNECT`));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD) finish(new ProxyTunnelError('proxy response head too large'));
        return;
      }
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
      if (!(status >= 200 && status < 300)) {
        finish(new ProxyTunnelError(`proxy ${proxy.host} refused CONNECT ${authority}: ${statusLine.slice(0, 200)}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      finish(undefined);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once('connect', () => {
      const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
      if (proxy.username !== '') {
        const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
        lines.push(`Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  });
}

/**
 * The proxy to use for `targetUrl` from the conventional environment variables (HTTPS_PROXY / https_proxy, with
 * NO_PROXY / no_proxy exclusions: comma-separated host names, `.suffix` or `*` ), or undefined for a direct connection.
 */
export function proxyFromEnvironment(targetUrl: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (proxy === undefined || proxy === '') return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const host = targetUrl.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const entry of noProxy) {
    if (entry === '*') return undefined;
    const name = entry.replace(/:\d+$/, '');
    if (host === name.replace(/^\./, '') || (name.startsWith('.') && host.endsWith(name))) return undefined;
    if (!name.startsWith('.') && host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}
