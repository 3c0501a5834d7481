/**
 * A cloud for the agent's channel tests, scripted from the test (plain WebSocket, no TLS: only the frames matter): it
 * welcomes with the given protocol version, sends requests when told, and records the agent's frames and how they
 * arrived (one entry in `chunks` per read of the socket).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';

const ENVELOPE = `${'h'.repeat(40)}..${'i'.repeat(16)}.${'c'.repeat(60)}.${'t'.repeat(22)}`;

/** A cloud that welcomes with `version`, sends one request per credit it gets, and records the agent's frames. */
export async function scriptedCloud(version: number) {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const frames: Record<string, unknown>[] = [];
  /** What arrived in each read of the TCP socket (several frames written together arrive in one). */
  const chunks: string[] = [];
  let socket: WebSocket | undefined;
  let sent = 0;
  wss.on('connection', (ws, req) => {
    socket = ws;
    req.socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('latin1')));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'hello') {
        ws.send(
          JSON.stringify({
            type: 'welcome',
            version,
            agentId: 'a1',
            tenantId: 't1',
            heartbeatIntervalMs: 60_000,
            serverTime: Date.now(),
          }),
        );
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    chunks,
    request() {
      socket?.send(
        JSON.stringify({
          type: 'validate-request',
          requestId: `r${++sent}`,
          envelope: ENVELOPE,
          expiresAt: Date.now() + 60_000,
        }),
      );
    },
    /** A ping the agent answers after everything it sent before (frames on one socket stay in order). */
    async settled() {
      const id = `p${frames.length}`;
      socket?.send(JSON.stringify({ type: 'ping', id, sentAt: Date.now() }));
      const deadline = Date.now() + 5000;
      while (!frames.some((f) => f.type === 'pong' && f.id === id)) {
        if (Date.now() > deadline) throw new Error('no pong');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close() {
      wss.close();
      server.close();
    },
  };
}
