import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeFrame,
  type Frame,
  generateEnvelopeKeyPair,
  importEnvelopePublicKey,
  MAX_FRAME_BYTES,
  negotiateProtocolVersion,
  parseFrame,
  sealEnvelope,
} from '../src/index.ts';

const key = generateEnvelopeKeyPair();
const envelope = sealEnvelope(
  { agentId: 'agent-1', key: importEnvelopePublicKey(key.publicJwk) },
  { requestId: 'r1', tenantId: 't1', expiresAt: Date.now() + 30_000 },
  { purpose: 'validate', username: 'alice@contoso.test', password: 'secret-password-1' },
);

const VALID: Frame[] = [
  { type: 'hello', versions: [1], agentVersion: '0.1.0', hostname: 'dc-agent-1', capabilities: ['change-password'] },
  { type: 'welcome', version: 1, agentId: 'a1', tenantId: 't1', heartbeatIntervalMs: 15_000, serverTime: 1 },
  { type: 'credit', credits: 32 },
  { type: 'validate-request', requestId: 'r1', envelope, expiresAt: 2, usernameDomain: 'contoso.test' },
  {
    type: 'validate-response',
    requestId: 'r1',
    outcome: 'ok',
    attributes: { objectGuid: '0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6', upn: 'alice@contoso.test', groups: ['g1'] },
    dc: 'dc1.contoso.test',
    timings: { decryptMs: 0.1, bindMs: 3, totalMs: 4 },
  },
  { type: 'change-password-request', requestId: 'r2', envelope, expiresAt: 2 },
  { type: 'change-password-response', requestId: 'r2', outcome: 'password_policy' },
  { type: 'ping', id: 'p1', sentAt: 5 },
  { type: 'pong', id: 'p1', sentAt: 5 },
  { type: 'reconnect', reason: 'draining', url: 'wss://node-2.example/agent/v1/connect', delayMs: 100 },
  { type: 'error', code: 'ENVELOPE_EXPIRED', message: 'the envelope has expired', requestId: 'r1' },
];

describe('parseFrame', () => {
  test('every frame type round-trips through encodeFrame', () => {
    for (const frame of VALID) {
      const result = parseFrame(encodeFrame(frame));
      assert.ok(result.ok, `${frame.type}: ${result.ok ? '' : result.error.message}`);
      assert.deepEqual(result.frame, frame);
      // Also as bytes, as `ws` delivers them.
      assert.ok(parseFrame(Buffer.from(encodeFrame(frame))).ok, frame.type);
    }
  });

  test('unknown fields are dropped (forward compatibility within a version)', () => {
    const result = parseFrame(JSON.stringify({ type: 'credit', credits: 1, futureField: true }));
    assert.ok(result.ok);
    assert.deepEqual(result.frame, { type: 'credit', credits: 1 });
  });

  const big = 'x'.repeat(MAX_FRAME_BYTES);
  const MALFORMED: Array<[string, string | Uint8Array, string, { from?: 'agent' | 'cloud'; maxBytes?: number }?]> = [
    ['empty', '', 'FRAME_INVALID_JSON'],
    ['not JSON', 'hello', 'FRAME_INVALID_JSON'],
    ['truncated JSON', '{"type":"credit","credits":', 'FRAME_INVALID_JSON'],
    ['array', '[1,2]', 'FRAME_NOT_OBJECT'],
    ['null', 'null', 'FRAME_NOT_OBJECT'],
    ['number', '42', 'FRAME_NOT_OBJECT'],
    ['no type', '{"credits":1}', 'FRAME_UNKNOWN_TYPE'],
    ['unknown type', '{"type":"shutdown"}', 'FRAME_UNKNOWN_TYPE'],
    ['prototype key as type', '{"type":"__proto__"}', 'FRAME_UNKNOWN_TYPE'],
    ['type not a string', '{"type":7}', 'FRAME_UNKNOWN_TYPE'],
    ['too large string', `{"type":"error","code":"X","message":"${big}"}`, 'FRAME_TOO_LARGE'],
    ['too large bytes', Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), 'FRAME_TOO_LARGE'],
    ['multi-byte text over the byte limit', `"${'€'.repeat(30)}"`, 'FRAME_TOO_LARGE', { maxBytes: 64 }],
    ['custom limit', '{"type":"credit","credits":1}', 'FRAME_TOO_LARGE', { maxBytes: 10 }],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'FRAME_NOT_TEXT'],
    ['negative credit', '{"type":"credit","credits":-1}', 'FRAME_INVALID'],
    ['fractional credit', '{"type":"credit","credits":1.5}', 'FRAME_INVALID'],
    ['huge credit', '{"type":"credit","credits":1e9}', 'FRAME_INVALID'],
    ['hello without versions', '{"type":"hello","versions":[],"agentVersion":"1","hostname":"h"}', 'FRAME_INVALID'],
    [
      'request id with spaces',
      `{"type":"validate-request","requestId":"a b","envelope":"${envelope}","expiresAt":1}`,
      'FRAME_INVALID',
    ],
    ['request without envelope', '{"type":"validate-request","requestId":"r","expiresAt":1}', 'FRAME_INVALID'],
    [
      'envelope not a JWE',
      '{"type":"validate-request","requestId":"r","envelope":"not-a-jwe-at-all-xxxxxxxx","expiresAt":1}',
      'FRAME_INVALID',
    ],
    ['unknown outcome', '{"type":"validate-response","requestId":"r","outcome":"maybe"}', 'FRAME_INVALID'],
    [
      'bad attributes',
      '{"type":"validate-response","requestId":"r","outcome":"ok","attributes":{"objectGuid":"x"}}',
      'FRAME_INVALID',
    ],
    ['reconnect with unknown reason', '{"type":"reconnect","reason":"because"}', 'FRAME_INVALID'],
    ['error code lower case', '{"type":"error","code":"oops","message":"m"}', 'FRAME_INVALID'],
    ['ping without id', '{"type":"ping","sentAt":1}', 'FRAME_INVALID'],
    [
      'cloud frame from agent',
      `{"type":"validate-request","requestId":"r","envelope":"${envelope}","expiresAt":1}`,
      'FRAME_WRONG_DIRECTION',
      { from: 'agent' },
    ],
    ['agent frame from cloud', '{"type":"credit","credits":1}', 'FRAME_WRONG_DIRECTION', { from: 'cloud' }],
    [
      'hello from cloud',
      '{"type":"hello","versions":[1],"agentVersion":"1","hostname":"h"}',
      'FRAME_WRONG_DIRECTION',
      { from: 'cloud' },
    ],
  ];

  for (const [name, input, code, options] of MALFORMED) {
    test(`malformed: ${name} -> ${code}`, () => {
      const result = parseFrame(input, options);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.error.code, code);
        assert.ok(result.error.message.length > 0);
      }
    });
  }

  test('error messages never echo field values (a broken frame may carry a password)', () => {
    const result = parseFrame('{"type":"validate-response","requestId":"r","outcome":"Secret-Pa55word"}');
    assert.ok(!result.ok && !result.error.message.includes('Secret-Pa55word'));
  });

  test('never throws on hostile input', () => {
    for (const input of [
      '{"type":"hello","versions":{"length":1e9}}',
      '{"type":"validate-response","requestId":"r","outcome":"ok","attributes":{"groups":"x"}}',
      `${'['.repeat(10_000)}`,
      undefined as unknown as string,
      42 as unknown as string,
    ]) {
      const result = parseFrame(input);
      assert.equal(result.ok, false);
    }
  });
});

describe('version negotiation', () => {
  test('picks the highest common version, or none', () => {
    assert.equal(negotiateProtocolVersion([1, 2, 3], [1, 2]), 2);
    assert.equal(negotiateProtocolVersion([1]), 1);
    assert.equal(negotiateProtocolVersion([7, 8]), undefined);
  });
});
