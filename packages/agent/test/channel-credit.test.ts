/**
 * Flow control on the agent's side of the channel, against a scripted cloud (plain WebSocket, no TLS: only the frames
 * matter here): with protocol version 2 an answer carries its credit, with version 1 a credit frame follows it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { createChannelClient } from '../src/channel/index.ts';
import { scriptedCloud } from './channel-support/scripted-cloud.ts';

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
