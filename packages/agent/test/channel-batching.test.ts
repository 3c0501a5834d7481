/**
 * Frame batching on the agent's side (@openpta/protocol frame-batching.ts, docs/PROTOCOL.md): under load answers wait
 * for each other and leave in one write; the last answer of a busy spell never waits; the window bounds every wait;
 * below the threshold nothing waits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { type ChannelRequestFrame, type ChannelResponseFrame, createChannelClient } from '../src/channel/index.ts';
import { scriptedCloud } from './channel-support/scripted-cloud.ts';

/** An agent whose handler answers each request only when the test says so. */
async function agentWith(batching: { windowMs: number; fromInFlight: number }) {
  const cloud = await scriptedCloud(2);
  const waiting = new Map<string, (answer: ChannelResponseFrame) => void>();
  const client = createChannelClient({
    url: cloud.url,
    cert: '',
    key: '',
    proxyUrl: null,
    maxInFlight: 8,
    batching,
    logger: pino({ level: 'silent' }),
    handler: (request: ChannelRequestFrame) =>
      new Promise<ChannelResponseFrame>((resolve) => waiting.set(request.requestId, resolve)),
  });
  client.start();
  await client.whenConnected();
  await cloud.settled();
  const until = async (what: string, ready: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  return {
    cloud,
    /** Sends `n` requests and waits until the agent's handler holds all of them. */
    async take(n: number) {
      for (let i = 0; i < n; i++) cloud.request();
      await until(`${n} requests in the handler`, () => waiting.size === n);
    },
    answer(requestId: string) {
      waiting.get(requestId)?.({ type: 'validate-response', requestId, outcome: 'ok' });
    },
    answered: () => cloud.frames.filter((f) => f.type === 'validate-response').map((f) => f.requestId),
    until,
    close() {
      client.abort();
      cloud.close();
    },
  };
}

test('under load answers wait for each other; the last one takes them all in one write', async () => {
  const agent = await agentWith({ windowMs: 10_000, fromInFlight: 1 });
  try {
    await agent.take(3);
    agent.answer('r1');
    agent.answer('r2');
    // Two requests, then one, were still in flight: both answers wait (the window is far longer than this test).
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(agent.answered(), [], 'held while other requests are in flight');
    agent.answer('r3');
    await agent.until('the three answers', () => agent.answered().length === 3);
    assert.deepEqual(agent.answered(), ['r1', 'r2', 'r3'], 'in the order they were answered');
    const reads = agent.cloud.chunks.filter((c) => c.includes('validate-response'));
    assert.equal(reads.length, 1, 'one write, so one read at the cloud');
    assert.equal(reads[0]!.split('validate-response').length - 1, 3);
  } finally {
    agent.close();
  }
});

test('the window bounds the wait: a held answer leaves while others are still in flight', async () => {
  const agent = await agentWith({ windowMs: 20, fromInFlight: 1 });
  try {
    await agent.take(2);
    agent.answer('r1');
    await agent.until('the first answer', () => agent.answered().length === 1);
    assert.deepEqual(agent.answered(), ['r1'], 'r2 is still in the handler');
  } finally {
    agent.close();
  }
});

test('below the threshold nothing waits, and windowMs 0 turns batching off', async () => {
  for (const batching of [
    { windowMs: 10_000, fromInFlight: 2 },
    { windowMs: 0, fromInFlight: 1 },
  ]) {
    const agent = await agentWith(batching);
    try {
      await agent.take(2);
      agent.answer('r1');
      // One other request in flight: under fromInFlight 2 (or batching off), so r1 leaves at the end of its turn
      // although the window is 10 s.
      await agent.until('the first answer', () => agent.answered().length === 1);
      agent.answer('r2');
      await agent.until('the second answer', () => agent.answered().length === 2);
      const reads = agent.cloud.chunks.filter((c) => c.includes('validate-response'));
      assert.equal(reads.length, 2, `${JSON.stringify(batching)}: each answer in its own write`);
    } finally {
      agent.close();
    }
  }
});
