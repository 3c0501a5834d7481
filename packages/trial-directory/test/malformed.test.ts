/**
 * Hostile and broken input on raw sockets: every case must end with the server closing that connection (after a
 * Notice of Disconnection when it can send one, RFC 4511 4.4.1) and a log line, while it keeps serving others.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BindRequest, SearchRequest, SubstringFilter } from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import type { TrialDirectory } from '../src/index.ts';
import type { LogCapture } from './helpers.ts';
import { closeQuietly, ldapsClient, startDemo } from './helpers.ts';

const NOTICE_OID = Buffer.from('1.3.6.1.4.1.1466.20036');

interface Exchange {
  readonly received: Buffer;
  /** True when the server closed the connection; false when our guard had to. */
  readonly closedByServer: boolean;
}

/** Writes bytes (optionally half-closing after) and collects what comes back until the server closes. */
function exchange(port: number, bytes: Buffer, options: { end?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let guarded = false;
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(bytes);
      if (options.end) socket.end();
    });
    // A hang guard, not a timing assertion: a server that never closes fails the test instead of hanging it.
    const guard = setTimeout(() => {
      guarded = true;
      socket.destroy();
    }, 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ received: Buffer.concat(chunks), closedByServer: !guarded });
    });
  });
}

function bindPdu(messageId = 1): Buffer {
  return new BindRequest({ messageId, dn: USERS.normal.upn, password: 'x' }).write();
}

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('malformed input', () => {
  let dir: TrialDirectory;
  let logs: LogCapture;
  before(async () => {
    ({ dir, logs } = await startDemo({ maxMessageBytes: 64 * 1024 }));
  });
  after(() => dir.close());

  async function assertServes(): Promise<void> {
    const client = ldapsClient(dir);
    await client.bind(USERS.normal.upn, USERS.normal.password);
    await closeQuietly(client);
  }

  async function assertRejected(bytes: Buffer, what: string): Promise<void> {
    const before = logs.lines.filter((l) => l.includes('protocolViolation')).length;
    const result = await exchange(dir.port, bytes);
    assert.ok(result.closedByServer, `${what}: the server must close the connection`);
    assert.ok(result.received.includes(NOTICE_OID), `${what}: a Notice of Disconnection comes first`);
    const after = logs.lines.filter((l) => l.includes('protocolViolation')).length;
    assert.equal(after, before + 1, `${what}: one log line`);
  }

  it('random bytes', async () => {
    const random = prng(1);
    await assertRejected(
      Buffer.from(Array.from({ length: 512 }, () => Math.floor(random() * 256)).map((b, i) => (i === 0 ? 0x17 : b))),
      'random',
    );
    await assertRejected(Buffer.from('GET / HTTP/1.1\r\nHost: dc1\r\n\r\n'), 'HTTP');
    await assertServes();
  });

  it('a truncated PDU (inner lengths overflow the outer one)', async () => {
    const pdu = bindPdu();
    const truncated = Buffer.from(pdu.subarray(0, pdu.length - 3));
    truncated[1] = truncated.length - 2; // outer SEQUENCE now ends 3 bytes early
    await assertRejected(truncated, 'truncated');
    await assertServes();
  });

  it('half a PDU and then end-of-stream: the server closes without answering', async () => {
    const pdu = bindPdu();
    const result = await exchange(dir.port, pdu.subarray(0, 10), { end: true });
    assert.ok(result.closedByServer);
    assert.equal(result.received.length, 0);
    await assertServes();
  });

  it('a huge length is refused from the header alone', async () => {
    await assertRejected(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]), '2 GiB length');
    await assertRejected(Buffer.from([0x30, 0x83, 0x01, 0x00, 0x01]), 'just over maxMessageBytes');
    await assertRejected(Buffer.from([0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), '9 length octets');
    await assertServes();
  });

  it('indefinite lengths, negative message ids and unknown operations', async () => {
    await assertRejected(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x42, 0x00, 0x00, 0x00]), 'indefinite length');
    await assertRejected(Buffer.from([0x30, 0x05, 0x02, 0x01, 0xff, 0x42, 0x00]), 'negative messageID');
    await assertRejected(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01, 0x5e, 0x00]), 'unknown operation tag');
    await assertRejected(Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x42, 0x01, 0x00]), 'non-NULL unbind');
    await assertServes();
  });

  it('a filter nested deeper than the limit', async () => {
    // A SearchRequest whose filter is 40 nested NOTs around (cn=*), framed by hand.
    let filter = Buffer.from([0x87, 0x02, 0x63, 0x6e]);
    for (let i = 0; i < 40; i++) filter = Buffer.concat([Buffer.from([0xa2, filter.length]), filter]);
    const head = Buffer.from([0x02, 0x01, 0x02]);
    const body = Buffer.concat([
      Buffer.from([0x04, dir.baseDn.length]),
      Buffer.from(dir.baseDn),
      Buffer.from([0x0a, 0x01, 0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00]),
      filter,
      Buffer.from([0x30, 0x00]),
    ]);
    const op = Buffer.concat([Buffer.from([0x63, 0x81, body.length]), body]);
    const inner = Buffer.concat([head, op]);
    const pdu = Buffer.concat([Buffer.from([0x30, 0x81, inner.length]), inner]);
    await assertRejected(pdu, 'deep filter');
    await assertServes();
  });

  it('a valid request followed by garbage: the request is answered, then the connection is closed', async () => {
    const result = await exchange(dir.port, Buffer.concat([bindPdu(7), Buffer.from('garbage!')]));
    assert.ok(result.closedByServer);
    assert.equal(result.received[0], 0x30);
    assert.ok(result.received.includes(Buffer.from('Transport encryption required')), 'the bind was answered');
    assert.ok(result.received.includes(NOTICE_OID));
    await assertServes();
  });

  it('200 mutated PDUs: each connection ends, the server survives', async () => {
    const random = prng(42);
    const valid = [
      bindPdu(3),
      new SearchRequest({
        messageId: 4,
        baseDN: dir.baseDn,
        scope: 'sub',
        filter: new SubstringFilter({ attribute: 'cn', any: ['x'] }),
      }).write(),
    ];
    for (let i = 0; i < 200; i++) {
      const pdu = Buffer.from(valid[i % valid.length] ?? Buffer.alloc(0));
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) pdu[Math.floor(random() * pdu.length)] = Math.floor(random() * 256);
      const result = await exchange(dir.port, pdu, { end: true });
      assert.ok(result.closedByServer, `mutation ${i} left the connection open`);
    }
    await assertServes();
  });
});

describe('idle connections', () => {
  it('are closed after idleTimeoutMs', async () => {
    const { dir } = await startDemo({ idleTimeoutMs: 50 });
    try {
      const result = await exchange(dir.port, Buffer.alloc(0));
      assert.ok(result.closedByServer);
    } finally {
      await dir.close();
    }
  });
});
