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

/** The part of a stream this needs: Node's Duplex has both. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The part of a `ws` WebSocket this needs; ws keeps the underlying (TLS) socket in `_socket`. */
export interface CorkableWebSocket {
  send(data: string): void;
  readonly _socket?: Corkable | null;
}

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
  ws.send(text);
}
