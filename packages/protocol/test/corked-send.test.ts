import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendCorked } from '../src/index.ts';

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
