/**
 * The demo relying party: a tiny web app (plain HTTP on loopback, like a developer's local app) that signs in with
 * the authorization code flow and PKCE (RFC 7636) through openid-client and shows the ID token's claims. It is what
 * an application integrating openpta does, in about a hundred lines.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';

export interface DemoRelyingParty {
  readonly url: string;
  readonly redirectUri: string;
  /** Sets the client once it is registered (the redirect URI needs this server's port first). */
  configure(issuer: string, clientId: string): Promise<void>;
  close(): Promise<void>;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1d2733}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #cfd6de;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f6;width:30%}a.button{display:inline-block;background:#1f5fbf;color:#fff;padding:.6rem 1.2rem;border-radius:.3rem;text-decoration:none}
.note{color:#5a6775;font-size:.9rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export async function startDemoRelyingParty(options: {
  caPem: string;
  port?: number;
  host?: string;
}): Promise<DemoRelyingParty> {
  const dispatcher = new Agent({ connect: { ca: options.caPem } });
  const customFetch = ((url: string, init: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(url, { ...init, dispatcher })) as unknown as oidc.CustomFetch;
  let config: oidc.Configuration | undefined;
  /** Pending sign-ins by state (in memory: a demo). */
  const pending = new Map<string, { codeVerifier: string; nonce: string; created: number }>();
  let redirectUri = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Sign-in failed',
          `<p>${escapeHtml(error instanceof Error ? error.message : String(error))}</p><p><a href="/">Back</a></p>`,
        ),
      );
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', redirectUri);
    const html = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      html(
        200,
        page(
          'openpta demo app',
          `<p>This is a relying party: an application that lets openpta sign its users in.</p>
<p><a class="button" id="sign-in" href="/login">Sign in with openpta</a></p>
<p class="note">Authorization code flow with PKCE; the password goes to openpta's page, never to this app.</p>`,
        ),
      );
      return;
    }
    if (config === undefined) {
      html(503, page('Not ready', '<p>The demo is still starting.</p>'));
      return;
    }
    if (url.pathname === '/login') {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const now = Date.now();
      for (const [k, v] of pending) if (now - v.created > 600_000) pending.delete(k);
      pending.set(state, { codeVerifier, nonce, created: now });
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: target.href, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const entry = pending.get(state);
      pending.delete(state);
      if (entry === undefined) {
        html(
          400,
          page('Sign-in failed', '<p>Unknown or expired sign-in attempt.</p><p><a href="/">Start again</a></p>'),
        );
        return;
      }
      if (url.searchParams.has('error')) {
        const message = `${url.searchParams.get('error')}: ${url.searchParams.get('error_description') ?? ''}`;
        html(400, page('Sign-in failed', `<p>${escapeHtml(message)}</p><p><a href="/">Start again</a></p>`));
        return;
      }
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: entry.codeVerifier,
        expectedState: state,
        expectedNonce: entry.nonce,
      });
      const claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
      const rows = Object.entries(claims)
        .map(
          ([k, v]) =>
            `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
        )
        .join('');
      html(
        200,
        page(
          `Signed in as ${String(claims.name ?? claims.preferred_username ?? claims.sub)}`,
          `<p>The ID token's claims, verified by openid-client:</p><table id="claims">${rows}</table><p><a href="/">Home</a></p>`,
        ),
      );
      return;
    }
    html(404, page('Not found', '<p><a href="/">Home</a></p>'));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  redirectUri = `${base}/callback`;
  return {
    url: `${base}/`,
    redirectUri,
    async configure(issuer, clientId) {
      config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
        [oidc.customFetch]: customFetch,
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          void dispatcher.close().then(() => resolve());
        });
      }),
  };
}
