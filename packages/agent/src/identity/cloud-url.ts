import { AGENT_CONNECT_PATH } from '@openpta/protocol';
import { AgentIdentityError } from './errors.ts';

/** The cloud's base URL: https, no query, fragment or credentials; the path prefix is kept (no trailing slash). */
export function parseCloudUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AgentIdentityError('CLOUD_URL_INVALID', value);
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new AgentIdentityError('CLOUD_URL_INVALID', value);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** https://host/prefix + /agent/v1/... */
export function cloudEndpoint(cloudUrl: string | URL, path: string): URL {
  const base = typeof cloudUrl === 'string' ? parseCloudUrl(cloudUrl) : cloudUrl;
  return new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`);
}

/** The gateway WebSocket URL: wss://host/prefix/agent/v1/connect. */
export function connectUrl(cloudUrl: string | URL): string {
  const url = cloudEndpoint(cloudUrl, AGENT_CONNECT_PATH);
  url.protocol = 'wss:';
  return url.toString();
}
