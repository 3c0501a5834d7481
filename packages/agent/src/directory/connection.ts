/**
 * One LDAP connection to one DC. The agent opens the socket itself (connect timeout, TLS, StartTLS, error
 * classification) and hands the established socket to ldapts, through a factory that works only once: ldapts
 * silently reconnects on its own after a close, which for StartTLS would send the next bind in plain text. Here a
 * closed connection stays closed and the pool replaces it.
 *
 * ldapts keeps no password after a bind unless `autoRebind` is on (Client._onBindSuccess); it is never turned on.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type Change, Client, type Entry, type SearchOptions } from 'ldapts';
import type { DcEndpoint } from './endpoint.ts';
import { AGENT_ERROR_CODES, type AgentErrorCode, DirectoryTransportError } from './errors.ts';
import { connectErrorCode } from './outcome-map.ts';
import type { TlsBase } from './tls-options.ts';

export interface ConnectionSettings {
  readonly tls: TlsBase;
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

let nextId = 0;

/** Waits for `event` on `socket`, or fails with a classified transport error (connect phase: failover-safe). */
function waitFor(socket: net.Socket, event: string, dc: string, timeoutMs: number, what: string, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const fail = (code: AgentErrorCode, message: string, cause?: unknown) => {
      cleanup();
      socket.destroy();
      reject(new DirectoryTransportError(code, dc, message, true, { cause }));
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => fail(connectErrorCode(error), `${what} to ${dc} failed: ${error.message}`, error);
    const onClose = () => fail(AGENT_ERROR_CODES.DC_UNREACHABLE, `${what} to ${dc}: connection closed`);
    const onAbort = () => fail(AGENT_ERROR_CODES.DC_TIMEOUT, `${what} to ${dc}: overall timeout`);
    const timer = setTimeout(
      () => fail(AGENT_ERROR_CODES.DC_UNREACHABLE, `${what} to ${dc} did not finish within ${timeoutMs} ms`),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      socket.off(event, onEvent);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    socket.once(event, onEvent);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class DirectoryConnection {
  readonly id = ++nextId;
  readonly endpoint: DcEndpoint;
  /** Set on any transport or protocol failure: the pool discards the connection. */
  broken = false;
  lastUsed = Date.now();
  readonly #client: Client;
  #socket: net.Socket;
  readonly #settings: ConnectionSettings;

  private constructor(endpoint: DcEndpoint, client: Client, socket: net.Socket, settings: ConnectionSettings) {
    this.endpoint = endpoint;
    this.#client = client;
    this.#socket = socket;
    this.#settings = settings;
    this.#watch(socket);
  }

  /** Connects (TCP, then TLS or StartTLS) within the connect timeout. Errors are failover-safe transport errors. */
  static async open(
    endpoint: DcEndpoint,
    settings: ConnectionSettings,
    signal?: AbortSignal,
  ): Promise<DirectoryConnection> {
    const dc = endpoint.label;
    // SNI carries host names only (RFC 6066 3); for an IP, Node checks the certificate's IP SANs against the host.
    const tlsOptions: tls.ConnectionOptions = net.isIP(endpoint.serverName)
      ? { ...settings.tls }
      : { ...settings.tls, servername: endpoint.serverName };
    const deadline = Date.now() + settings.connectTimeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    let socket: net.Socket;
    if (endpoint.transport === 'ldaps') {
      socket = tls.connect({ ...tlsOptions, host: endpoint.host, port: endpoint.port });
      await waitFor(socket, 'secureConnect', dc, left(), 'TLS connection', signal);
    } else {
      socket = net.connect({ host: endpoint.host, port: endpoint.port });
      await waitFor(socket, 'connect', dc, left(), 'connection', signal);
    }
    const once = <T>(value: T) => {
      let used = false;
      return () => {
        if (used) throw new Error('connection closed; the agent does not reconnect it');
        used = true;
        return value;
      };
    };
    const url = `${endpoint.transport === 'ldaps' ? 'ldaps' : 'ldap'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    let upgraded: tls.TLSSocket | undefined;
    const client = new Client({
      url,
      timeout: settings.operationTimeoutMs,
      createConnection: once(socket) as unknown as typeof net.connect,
      createSecureConnection: (endpoint.transport === 'ldaps'
        ? once(socket)
        : (options: tls.ConnectionOptions) => {
            // StartTLS upgrade of the existing socket (RFC 4511 4.14), with our checks.
            upgraded = tls.connect({ ...options, ...tlsOptions });
            return upgraded;
          }) as unknown as typeof tls.connect,
    });
    const connection = new DirectoryConnection(endpoint, client, socket, settings);
    if (endpoint.transport === 'starttls') {
      const started = client.startTLS({}).then(
        () => undefined,
        (error: Error) => error,
      );
      const timer = new Promise<Error>((resolve) => {
        const t = setTimeout(
          () => resolve(new Error(`StartTLS did not finish within ${settings.connectTimeoutMs} ms`)),
          left(),
        );
        started.finally(() => clearTimeout(t));
      });
      const error = await Promise.race([started, timer]);
      if (error || !upgraded) {
        connection.destroy();
        upgraded?.destroy();
        const code =
          error && (error as NodeJS.ErrnoException).code && typeof (error as NodeJS.ErrnoException).code === 'string'
            ? connectErrorCode(error)
            : /timeout|did not finish/i.test(error?.message ?? '')
              ? AGENT_ERROR_CODES.DC_UNREACHABLE
              : AGENT_ERROR_CODES.DC_TLS;
        throw new DirectoryTransportError(code, dc, `StartTLS with ${dc} failed: ${error?.message ?? 'no TLS'}`, true, {
          cause: error,
        });
      }
      connection.#socket = upgraded;
      connection.#watch(upgraded);
    }
    return connection;
  }

  #watch(socket: net.Socket): void {
    // Until ldapts attaches its own handlers (on the first request) an idle socket's error must not go unhandled.
    socket.on('error', () => {
      this.broken = true;
    });
    socket.once('close', () => {
      this.broken = true;
    });
    // The DC half-closed (e.g. MaxConnIdleTime): no further request can be answered.
    socket.once('end', () => {
      this.broken = true;
    });
  }

  /** True while the connection can carry another request. */
  get usable(): boolean {
    const s = this.#socket;
    // Our own socket state: ldapts attaches to the socket lazily, on the first request.
    return !this.broken && !s.destroyed && !s.readableEnded;
  }

  /**
   * Runs one LDAP operation. An LDAP result error (ldapts ResultCodeError, numeric `code`) is an answer and is
   * rethrown as is; anything else (timeout, closed socket, parse error) becomes a DirectoryTransportError and breaks
   * the connection. `failoverSafe` says whether the user's password was part of this operation.
   */
  async #run<T>(op: string, failoverSafe: boolean, signal: AbortSignal | undefined, fn: (c: Client) => Promise<T>) {
    const dc = this.endpoint.label;
    if (!this.usable) {
      this.broken = true;
      throw new DirectoryTransportError(AGENT_ERROR_CODES.DC_PROTOCOL, dc, `connection to ${dc} is closed`, true);
    }
    if (signal?.aborted) {
      throw new DirectoryTransportError(AGENT_ERROR_CODES.DC_TIMEOUT, dc, `${op} on ${dc}: overall timeout`, true);
    }
    const onAbort = () => this.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.lastUsed = Date.now();
    try {
      return await fn(this.#client);
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === 'number') throw error;
      this.broken = true;
      this.destroy();
      const message = (error as Error).message ?? String(error);
      const code = signal?.aborted
        ? AGENT_ERROR_CODES.DC_TIMEOUT
        : /timed out/i.test(message)
          ? AGENT_ERROR_CODES.DC_TIMEOUT
          : AGENT_ERROR_CODES.DC_PROTOCOL;
      const text =
        code === AGENT_ERROR_CODES.DC_TIMEOUT ? `no answer within ${this.#settings.operationTimeoutMs} ms` : message;
      throw new DirectoryTransportError(code, dc, `${op} on ${dc}: ${text}`, failoverSafe, { cause: error });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.lastUsed = Date.now();
    }
  }

  /** A simple bind. `isUserBind` marks the user's own password: such a failure is never retried elsewhere. */
  bind(name: string, password: string, isUserBind: boolean, signal?: AbortSignal): Promise<void> {
    // Defence in depth: an empty password would be an unauthenticated bind that succeeds (RFC 4513 5.1.2).
    if (password.length === 0) throw new Error('refusing an empty-password bind');
    return this.#run('bind', !isUserBind, signal, (c) => c.bind(name, password));
  }

  search(base: string, options: SearchOptions, signal?: AbortSignal): Promise<Entry[]> {
    return this.#run('search', true, signal, async (c) => (await c.search(base, options)).searchEntries);
  }

  modify(dn: string, changes: Change[], signal?: AbortSignal): Promise<void> {
    // A password change carries the user's old password: not failover-safe.
    return this.#run('modify', false, signal, (c) => c.modify(dn, changes));
  }

  /** Closes at once (no unbind round-trip): used for broken connections and shutdown. */
  destroy(): void {
    this.broken = true;
    this.#socket.destroy();
  }

  /** Polite close: unbind (RFC 4511 4.3) then close, bounded by the operation timeout. */
  async close(): Promise<void> {
    if (!this.usable) return this.destroy();
    this.broken = true;
    const timer = setTimeout(() => this.#socket.destroy(), this.#settings.operationTimeoutMs);
    try {
      await this.#client.unbind();
    } catch {
      // Closing anyway.
    } finally {
      clearTimeout(timer);
      this.#socket.destroy();
    }
  }
}
