/**
 * Flow control on the agent's side of the channel, against a scripted cloud (plain WebSocket, no TLS: only the frames
 * matter here): with protocol version 2 an answer carries its credit, with version 1 a credit frame follows it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { createChannelClient } from '../src/channel/index.ts';

const ENVELOPE = `${'h'.repeat(40)}..${'i'.repeat(16)}.${'c'.repeat(60)}.${'t'.repeat(22)}`;

/** A cloud that welcomes with `version`, sends one request per credit it gets, and records the agent's frames. */
async function scriptedCloud(version: number) {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const frames: Record<string, unknown>[] = [];
  let socket: WebSocket | undefined;
  let sent = 0;
  wss.on('connection', (ws) => {
    socket = ws;
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

for (const version of [2, 1]) {
  test(`protocol version ${version}: ${version === 2 ? 'the answer carries its credit' : 'a credit frame follows the answer'}`, async () => {
    const cloud = await scriptedCloud(version);
    const client = createChannelClient({
      url: cloud.url,
      cert: '',
      key: '',
      proxyUrl: null,
      maxInFlight: 2,
      logger: pino({ level: 'silent' }),
      handler: async (request) => ({ type: 'validate-response', requestId: request.requestId, outcome: 'ok' }),
    });
    try {
      client.start();
      await client.whenConnected();
      await cloud.settled();
      assert.deepEqual(
        cloud.frames.filter((f) => f.type === 'credit'),
        [{ type: 'credit', credits: 2 }],
        'the initial window',
      );
      cloud.request();
      cloud.request();
      await cloud.settled();
      const after = cloud.frames.filter((f) => f.type === 'validate-response' || f.type === 'credit').slice(1);
      if (version === 2) {
        // Each answer carries the credit of its request; no credit frame of its own.
        assert.equal(after.length, 2);
        for (const f of after) assert.deepEqual([f.type, f.credits], ['validate-response', 1]);
      } else {
        assert.ok(
          after.every((f) => f.type === 'credit' || !('credits' in f)),
          'no credits in version 1 answers',
        );
        const granted = after.filter((f) => f.type === 'credit').reduce((n, f) => n + Number(f.credits), 0);
        assert.equal(after.filter((f) => f.type === 'validate-response').length, 2);
        assert.equal(granted, 2);
      }
    } finally {
      client.abort();
      cloud.close();
    }
  });
}
