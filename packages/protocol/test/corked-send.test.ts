import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchHoldMs, DEFAULT_FRAME_BATCHING, sendCorked } from '../src/index.ts';

function recorder() {
  const calls: string[] = [];
  const socket = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
  return { calls, ws: { _socket: socket, send: (text: string) => calls.push(`send ${text}`) } };
}

test('sends of one event-loop turn share one cork; the turn end uncorks; the order is kept', async () => {
  const { calls, ws } = recorder();
  sendCorked(ws, 'a');
  sendCorked(ws, 'b');
  assert.deepEqual(calls, ['cork', 'send a', 'send b'], 'still corked inside the turn');
  await new Promise((resolve) => setImmediate(resolve));
  sendCorked(ws, 'c');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['cork', 'send a', 'send b', 'uncork', 'cork', 'send c', 'uncork']);
});

test('without an underlying socket it is a plain send', () => {
  const sent: string[] = [];
  sendCorked({ send: (text) => sent.push(text) }, 'x');
  sendCorked({ _socket: null, send: (text) => sent.push(text) }, 'y');
  assert.deepEqual(sent, ['x', 'y']);
});

test('a held send keeps the socket corked across turns until its window ends', async () => {
  const { calls, ws } = recorder();
  sendCorked(ws, 'a', 30);
  await new Promise((resolve) => setImmediate(resolve));
  sendCorked(ws, 'b', 30);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['cork', 'send a', 'send b'], 'still corked after two turns');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(calls, ['cork', 'send a', 'send b', 'uncork'], 'the window ended: one uncork for both');
});

test('a send that may not wait takes the held ones with it at the end of its turn', async () => {
  const { calls, ws } = recorder();
  sendCorked(ws, 'held', 10_000);
  await new Promise((resolve) => setImmediate(resolve));
  sendCorked(ws, 'now');
  sendCorked(ws, 'held again', 10_000);
  assert.deepEqual(calls, ['cork', 'send held', 'send now', 'send held again']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['cork', 'send held', 'send now', 'send held again', 'uncork'], 'not after 10 s');
});

test('batchHoldMs: the window from the threshold on, 0 below it or when off', () => {
  const batching = { windowMs: 2, fromInFlight: 4 };
  assert.equal(batchHoldMs(batching, 3), 0);
  assert.equal(batchHoldMs(batching, 4), 2);
  assert.equal(batchHoldMs(batching, 40), 2);
  assert.equal(batchHoldMs({ windowMs: 0, fromInFlight: 1 }, 40), 0);
  assert.deepEqual(DEFAULT_FRAME_BATCHING, { windowMs: 2, fromInFlight: 4 });
});
