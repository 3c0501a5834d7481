/**
 * The two listening sockets: plain LDAP (StartTLS available) and LDAPS. They can be stopped and restarted on the
 * same ports (the "refused connections" fault), and every accepted connection is tracked so close() ends them all.
 */

import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { TrialDirectoryError } from '../errors.ts';
import type { ConnectionOptions } from './connection.ts';
import { LdapConnection } from './connection.ts';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly ldapsPort: number;
  readonly cert: string;
  readonly key: string;
  readonly maxConnections: number;
  /** TLS handshake deadline on the LDAPS port. */
  readonly handshakeTimeoutMs: number;
  readonly logger: Logger;
  readonly connection: Omit<ConnectionOptions, 'secureContext'>;
}

export class Listeners {
  readonly #options: ListenerOptions;
  readonly #connections = new Set<LdapConnection>();
  readonly #plain: Server;
  readonly #tls: TlsServer;
  #port: number;
  #ldapsPort: number;

  constructor(options: ListenerOptions) {
    this.#options = options;
    this.#port = options.port;
    this.#ldapsPort = options.ldapsPort;
    this.#tls = createTlsServer({
      cert: options.cert,
      key: options.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: options.handshakeTimeoutMs,
    });
    const connectionOptions: ConnectionOptions = {
      ...options.connection,
      // StartTLS presents the same certificate as the LDAPS port, as a DC does.
      secureContext: createSecureContext({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' }),
    };
    this.#plain = createServer((socket) => this.#accept(socket, false, connectionOptions));
    this.#tls.on('secureConnection', (socket: TLSSocket) => this.#accept(socket, true, connectionOptions));
    this.#tls.on('tlsClientError', (error) => {
      options.logger.info({ event: 'tlsClientError', err: error.message }, 'TLS handshake failed');
    });
    for (const server of [this.#plain, this.#tls]) {
      server.maxConnections = options.maxConnections;
      // A listener error after start (EMFILE...) is logged; without a listener it would crash the process.
      server.on('error', (error) =>
        options.logger.error({ event: 'listenerError', err: error.message }, 'listener error'),
      );
      // Fault "drop on accept": close before any byte is read (for LDAPS, before the TLS handshake).
      server.on('connection', (socket: Socket) => {
        if (options.connection.faults.drop === 'accept') {
          options.logger.info({ event: 'fault', fault: 'dropOnAccept' }, 'fault: dropping new connection');
          socket.destroy();
        }
      });
    }
  }

  get port(): number {
    return this.#port;
  }

  get ldapsPort(): number {
    return this.#ldapsPort;
  }

  async start(): Promise<void> {
    this.#port = await listen(this.#plain, this.#options.host, this.#port);
    try {
      this.#ldapsPort = await listen(this.#tls, this.#options.host, this.#ldapsPort);
    } catch (error) {
      stopListening(this.#plain);
      throw error;
    }
  }

  /** Stops accepting (the ports are released); open connections are left alone. */
  async stop(): Promise<void> {
    stopListening(this.#plain);
    stopListening(this.#tls);
    // Let libuv finish closing the listening handles before the caller relies on the ports being free.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Stops accepting and ends every open connection, resolving once they are all closed. */
  async closeAll(): Promise<void> {
    await this.stop();
    const closed = [...this.#connections].map((connection) => connection.closed);
    for (const connection of this.#connections) connection.destroy();
    await Promise.all(closed);
  }

  #accept(socket: Socket, secure: boolean, options: ConnectionOptions): void {
    if (socket.destroyed) return;
    const connection: LdapConnection = new LdapConnection(socket, secure, options, () => {
      this.#connections.delete(connection);
    });
    this.#connections.add(connection);
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        new TrialDirectoryError('ERR_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error }),
      );
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function stopListening(server: Server): void {
  if (server.listening) server.close();
}
