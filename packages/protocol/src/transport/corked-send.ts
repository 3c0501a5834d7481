/**
 * Frames sent in the same event-loop turn leave in one TLS record and one system call: the first send of a turn corks
 * the socket and the turn's end uncorks it (Node's TLSWrap joins the queued buffers into one SSL_write). Under load
 * many answers (agent) or requests (cloud) complete in the same turn; sending each on its own costs a TLS record and
 * a syscall apiece. The order of frames is unchanged.
 *
 * Why in the protocol package, which does no I/O: this opens nothing and owns no socket. It only orders calls on an
 * object the caller passes in (a `ws` WebSocket, typed structurally so the package does not depend on ws), and both
 * ends of the channel need exactly the same behaviour.
 */

import { encodeTextFrame } from './text-frame.ts';

/** The part of a stream this needs: Node's Duplex has all three. */
export interface Corkable {
  cork(): void;
  uncork(): void;
  write?(data: Buffer): boolean;
}

/**
 * The part of a `ws` WebSocket this needs; ws keeps the underlying (TLS) socket in `_socket`, its frame writer in
 * `_sender` (state 0 = not compressing, with nothing queued) and whether it is the server end in `_isServer`.
 */
export interface CorkableWebSocket {
  send(data: string): void;
  readonly _socket?: Corkable | null;
  readonly readyState?: number;
  readonly _isServer?: boolean;
  readonly _sender?: { readonly _state?: number; readonly _queue?: readonly unknown[] } | null;
}

const OPEN = 1;

const corked = new WeakSet<Corkable>();

export function sendCorked(ws: CorkableWebSocket, text: string): void {
  // Without an underlying socket (a test double, a closed socket), fall back to a plain send.
  const socket = ws._socket ?? undefined;
  if (socket !== undefined && !corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    process.nextTick(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  // The frame goes straight onto the socket, as ws's sender would write it, whenever ws's sender could not hold
  // anything back (open, no compression in progress, empty queue; the channel never compresses or sends blobs):
  // one Buffer and one write instead of ws's per-call option objects and two writes. Anything else goes through ws.
  const sender = ws._sender;
  if (
    socket !== undefined &&
    socket.write !== undefined &&
    ws.readyState === OPEN &&
    sender?._state === 0 &&
    sender._queue?.length === 0
  ) {
    // RFC 6455 section 5.3: a client masks every frame, a server never does.
    socket.write(encodeTextFrame(text, ws._isServer !== true));
    return;
  }
  ws.send(text);
}
