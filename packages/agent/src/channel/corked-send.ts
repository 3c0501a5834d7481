/**
 * Frames sent in the same event-loop turn leave in one TLS record and one system call: the first send of a turn corks
 * the socket and the turn's end uncorks it (Node's TLSWrap joins the queued buffers into one SSL_write). Under load
 * many answers (agent) or requests (cloud) complete in the same turn; sending each on its own costs a TLS record and
 * a syscall apiece. The order of frames is unchanged.
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';

const corked = new WeakSet<Duplex>();

export function sendCorked(ws: WebSocket, text: string): void {
  // ws keeps the underlying (TLS) socket in `_socket`; without it, fall back to a plain send.
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
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
