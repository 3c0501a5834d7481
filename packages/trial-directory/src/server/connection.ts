/**
 * One client connection: frames the byte stream into PDUs, runs requests one at a time in arrival order, applies
 * injected faults, and upgrades to TLS on StartTLS. Anything malformed ends the connection with a Notice of
 * Disconnection and one log line; nothing a client sends can throw out of this class.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecureContext } from 'node:tls';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Directory } from '../directory/model.ts';
import type { DirectoryPolicy } from '../directory/policy.ts';
import { TrialDirectoryError } from '../errors.ts';
import type { LdapMessage } from '../ldap/index.ts';
import { decodeMessage, encodeMessage, encodeNoticeOfDisconnection, nextPduLength, RESULT } from '../ldap/index.ts';
import { dispatch } from '../operations/dispatch.ts';
import type { OperationContext, Session } from '../operations/types.ts';
import type { FaultState } from './faults.ts';

export interface ConnectionOptions {
  readonly directory: Directory;
  readonly policy: DirectoryPolicy;
  readonly logger: Logger;
  readonly hostname: string;
  readonly faults: Readonly<FaultState>;
  readonly secureContext: SecureContext;
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
}

/** Requests queued before the server stops reading from the socket (back-pressure against pipelining floods). */
const MAX_QUEUED = 32;
/** How long a closing connection may take to flush its Notice of Disconnection before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** Sent by the garbage fault: plausible bytes from a wrong service, not an LDAPMessage. */
/** Deadline for the TLS handshake after a StartTLS response (the LDAPS listener has its own handshakeTimeout). */
const STARTTLS_HANDSHAKE_MS = 10_000;
const GARBAGE = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');

export class LdapConnection {
  readonly #options: ConnectionOptions;
  readonly #logger: Logger;
  readonly #session: Session;
  readonly #abort = new AbortController();
  readonly #onClosed: () => void;
  #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #queue: LdapMessage[] = [];
  #running = false;
  #closing = false;
  #closeTimer: NodeJS.Timeout | undefined;
  /** A framing or decoding error, acted on once the requests queued before it are answered. */
  #failure: unknown;
  #resolveClosed: () => void = () => {};
  /** Settles when the socket has closed. */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.#resolveClosed = resolve;
  });

  constructor(socket: Socket, secure: boolean, options: ConnectionOptions, onClosed: () => void) {
    this.#socket = socket;
    this.#options = options;
    this.#onClosed = onClosed;
    this.#session = { user: undefined, anonymousBind: false, secure };
    this.#logger = options.logger.child({ remote: `${socket.remoteAddress}:${socket.remotePort}`, tls: secure });
    this.#attach(socket);
  }

  /** Ends the connection at once (server shutdown). */
  destroy(): void {
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(this.#options.idleTimeoutMs);
    socket.on('data', this.#onData);
    socket.on('timeout', this.#onTimeout);
    socket.on('error', this.#onError);
    socket.once('close', this.#onClose);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('timeout', this.#onTimeout);
    socket.off('close', this.#onClose);
    // Keep an error listener: an unhandled 'error' on a detached socket would crash the process.
  }

  readonly #onTimeout = (): void => {
    this.#logger.info({ event: 'idleTimeout' }, 'closing idle connection');
    this.#socket.destroy();
  };

  readonly #onError = (error: Error): void => {
    this.#logger.debug({ event: 'socketError', err: error.message }, 'socket error');
    this.#socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#closing = true;
    this.#queue.length = 0;
    this.#abort.abort();
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#onClosed();
    this.#resolveClosed();
  };

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closing) return;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    try {
      for (;;) {
        const length = nextPduLength(this.#buffer, this.#options.maxMessageBytes);
        if (length === undefined) break;
        const pdu = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
        this.#queue.push(decodeMessage(pdu));
      }
    } catch (error) {
      // Requests that arrived intact before the bad bytes are still answered; then the connection ends.
      this.#failure = error;
      this.#socket.off('data', this.#onData);
    }
    if (this.#queue.length >= MAX_QUEUED) this.#socket.pause();
    void this.#run();
  };

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let message = this.#queue.shift(); message && !this.#closing; message = this.#queue.shift()) {
        await this.#handle(message);
        if (this.#queue.length < MAX_QUEUED / 2 && !this.#closing) this.#socket.resume();
      }
      if (this.#failure !== undefined && !this.#closing) this.#protocolFailure(this.#failure);
    } catch (error) {
      // A bug in a handler must cost this connection only, never the server.
      this.#logger.error({ event: 'internalError', err: error }, 'closing connection after an internal error');
      this.#closeWithNotice(RESULT.operationsError, 'Internal error in the trial directory.');
    } finally {
      this.#running = false;
    }
  }

  async #handle(message: LdapMessage): Promise<void> {
    const op = message.request.op;
    const faults = this.#options.faults;
    const answers = op !== 'unbind' && op !== 'abandon';
    if (answers && faults.drop === 'operation') {
      this.#logger.info({ event: 'fault', fault: 'drop', op }, 'fault: dropping connection mid-operation');
      this.#socket.destroy();
      return;
    }
    if (faults.latencyMs > 0 && (!faults.latencyOperations || faults.latencyOperations.has(op))) {
      try {
        await sleep(faults.latencyMs, undefined, { signal: this.#abort.signal });
      } catch {
        return; // the connection closed while waiting
      }
      if (this.#closing) return;
    }
    if (answers && faults.garbage) {
      this.#logger.info({ event: 'fault', fault: 'garbage', op }, 'fault: answering with garbage');
      this.#closing = true;
      this.#socket.end(GARBAGE);
      this.#armCloseTimer();
      return;
    }
    const ctx: OperationContext = {
      directory: this.#options.directory,
      policy: this.#options.policy,
      session: this.#session,
      controls: message.controls,
      logger: this.#logger,
      hostname: this.#options.hostname,
    };
    const canStartTls = this.#queue.length === 0 && this.#buffer.length === 0;
    const result = dispatch(message, ctx, canStartTls);
    const bytes = result.responses.map((r) => encodeMessage(message.messageId, r.protocolOp, r.controls));
    if (result.afterwards === 'startTls') {
      this.#startTls(Buffer.concat(bytes));
      return;
    }
    // One write per operation: separate small writes meet Nagle + delayed ACK and cost ~40 ms per search.
    if (bytes.length > 0) this.#socket.write(bytes.length === 1 ? (bytes[0] as Buffer) : Buffer.concat(bytes));
    if (result.afterwards === 'close') {
      this.#closing = true;
      this.#socket.end();
      this.#armCloseTimer();
    }
  }

  /**
   * RFC 4511 4.14.2: the StartTLS response goes out in the clear, then the TLS handshake starts on the same socket.
   * The client sends nothing between its request and our response, so detaching the plaintext reader, writing the
   * response and wrapping the socket in the same tick loses no bytes.
   */
  #startTls(response: Buffer): void {
    const plain = this.#socket;
    this.#detach(plain);
    plain.setTimeout(0);
    plain.write(response);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.#options.secureContext });
    this.#socket = secure;
    this.#attach(secure);
    const handshake = setTimeout(() => {
      this.#logger.info({ event: 'startTlsTimeout' }, 'closing connection: no TLS handshake after StartTLS');
      secure.destroy();
    }, STARTTLS_HANDSHAKE_MS);
    handshake.unref();
    secure.once('close', () => clearTimeout(handshake));
    secure.once('secure', () => {
      clearTimeout(handshake);
      this.#session.secure = true;
      this.#logger.info({ event: 'startTls' }, 'StartTLS established');
    });
  }

  #protocolFailure(error: unknown): void {
    const known = error instanceof TrialDirectoryError;
    this.#logger.warn(
      { event: 'protocolViolation', code: known ? error.code : 'internal', reason: (error as Error).message },
      'closing connection: malformed or oversized LDAP PDU',
    );
    this.#closeWithNotice(RESULT.protocolError, known ? error.message : 'Malformed PDU.');
  }

  #closeWithNotice(code: (typeof RESULT)[keyof typeof RESULT], message: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#queue.length = 0;
    this.#buffer = Buffer.alloc(0);
    this.#socket.end(encodeNoticeOfDisconnection(code, message));
    this.#armCloseTimer();
  }

  /** A peer that never reads could keep a half-closed socket forever: destroy it after a short grace period. */
  #armCloseTimer(): void {
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
    this.#closeTimer.unref();
  }
}
