/**
 * A tiny browser stand-in for HTTP-level tests: keeps cookies, follows redirects on request, reads hidden inputs.
 * Real browser behaviour (rendering, focus, no-JS forms) is tested with Chromium in sign-in-browser.test.ts.
 */
import type { fetch as undiciFetch } from 'undici';

export interface PageResponse {
  readonly status: number;
  readonly url: string;
  readonly location: string | undefined;
  readonly headers: Headers;
  readonly body: string;
}

export class HttpSession {
  readonly #fetch: typeof undiciFetch;
  readonly #cookies = new Map<string, string>();

  constructor(fetchWithCa: typeof undiciFetch) {
    this.#fetch = fetchWithCa;
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; body?: string; contentType?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined = init.body;
    if (init.form) body = new URLSearchParams(init.form).toString();
    if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/x-www-form-urlencoded';
    const response = await this.#fetch(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status,
      url,
      location: location === undefined ? undefined : new URL(location, url).href,
      headers: response.headers as unknown as Headers,
      body: await response.text(),
    } satisfies PageResponse;
  }

  /** Follows redirects within `origin` until a page answers or a redirect leaves it (returned unfollowed). */
  async follow(url: string, origin: string, init: { form?: Record<string, string> } = {}): Promise<PageResponse> {
    let response = await this.request(url, init);
    for (let hops = 0; hops < 10; hops++) {
      if (!response.location || ![301, 302, 303, 307, 308].includes(response.status)) return response;
      if (new URL(response.location).origin !== origin) return response;
      response = await this.request(response.location);
    }
    throw new Error('too many redirects');
  }
}

export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no hidden input ${name} in page`);
  return match[1];
}

export function formAction(html: string, suffix: string): string {
  const match = new RegExp(`action="([^"]*${suffix})"`).exec(html);
  if (!match?.[1]) throw new Error(`no form posting to *${suffix}`);
  return match[1];
}
