import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { encodeTextFrame, sendCorked } from '@openpta/protocol';
import WebSocket, { WebSocketServer } from 'ws';

// Every length class of RFC 6455 (7-bit, 16-bit, 64-bit lengths and their edges) and multi-byte UTF-8.
const TEXTS = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'é€😀'.repeat(40), 'z'.repeat(65_535), 'w'.repeat(65_536)];

test('frames written by sendCorked reach a ws peer intact in both directions (client frames masked)', async () => {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const atServer: string[] = [];
  const atClient: string[] = [];
  wss.on('connection', (ws) => {
    // The server echoes with sendCorked too: unmasked frames, which a ws client refuses if masked.
    ws.on('message', (data) => {
      atServer.push(String(data));
      sendCorked(ws, String(data));
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
  });
  await once(client, 'open');
  const done = new Promise<void>((resolve) => {
    client.on('message', (data) => {
      atClient.push(String(data));
      if (atClient.length === TEXTS.length) resolve();
    });
  });
  for (const text of TEXTS) sendCorked(client, text);
  await done;
  assert.deepEqual(atServer, TEXTS);
  assert.deepEqual(atClient, TEXTS);
  client.close();
  wss.close();
  server.close();
});

test('an unmasked frame is the header and the UTF-8 payload; a masked one carries a fresh key each time', () => {
  assert.deepEqual(encodeTextFrame('hi', false), Buffer.from([0x81, 2, 0x68, 0x69]));
  const long = encodeTextFrame('€'.repeat(50), false);
  assert.deepEqual(long.subarray(0, 4), Buffer.from([0x81, 126, 0, 150]));
  const a = encodeTextFrame('hello', true);
  const b = encodeTextFrame('hello', true);
  assert.equal(a[1], 0x80 | 5);
  const unmask = (f: Buffer) => Buffer.from(f.subarray(6).map((byte, i) => byte ^ f[2 + (i % 4)]!)).toString();
  assert.equal(unmask(a), 'hello');
  assert.equal(unmask(b), 'hello');
  assert.notDeepEqual(a.subarray(2, 6), b.subarray(2, 6));
});
