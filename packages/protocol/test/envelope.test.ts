import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import {
  createEnvelopeSealer,
  ENVELOPE_TYP,
  EnvelopeKeyCache,
  type EnvelopeRecipient,
  generateEnvelopeKeyPair,
  importEnvelopePublicKey,
  openEnvelope,
  ProtocolError,
  ReplayCache,
  sealEnvelope,
  sealEnvelopes,
} from '../src/index.ts';

const NOW = 1_800_000_000_000;
const agentKeys = generateEnvelopeKeyPair();
const recipient: EnvelopeRecipient = { agentId: 'agent-1', key: importEnvelopePublicKey(agentKeys.publicJwk) };
const keys = new Map([[agentKeys.kid, agentKeys.privateKey]]);
const binding = { requestId: 'req-1', tenantId: 'tenant-a', issuedAt: NOW, expiresAt: NOW + 30_000 };
const secret = { purpose: 'validate' as const, username: 'alice@contoso.test', password: 'Pa55w0rd!é' };
const expect = { tenantId: 'tenant-a', audience: 'agent-1', purpose: 'validate' as const, requestId: 'req-1' };

function codeOf(result: ReturnType<typeof openEnvelope>): string {
  return result.ok ? 'ok' : result.error.code;
}

describe('password envelope', () => {
  test('round trip: the agent gets back exactly the sealed secret and binding', () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const result = openEnvelope(jwe, { keys, expect, now: NOW, replayCache: new ReplayCache() });
    assert.ok(result.ok, codeOf(result));
    assert.equal(result.kid, agentKeys.kid);
    assert.deepEqual(result.claims, {
      v: 1,
      ...secret,
      requestId: 'req-1',
      tenantId: 'tenant-a',
      audience: 'agent-1',
      issuedAt: NOW,
      expiresAt: NOW + 30_000,
    });
  });

  test('the password does not appear in the envelope (only ciphertext leaves the cloud)', () => {
    const jwe = sealEnvelope(recipient, binding, { ...secret, password: 'VisibleMarker123' });
    assert.ok(!jwe.includes('VisibleMarker123'));
    for (const part of jwe.split('.')) {
      assert.ok(!Buffer.from(part, 'base64url').toString('latin1').includes('VisibleMarker123'));
    }
  });

  test('change-password envelopes carry old and new password and cannot be used to validate', () => {
    const jwe = sealEnvelope(recipient, binding, {
      purpose: 'change-password',
      username: 'alice',
      oldPassword: 'old-pass',
      newPassword: 'new-pass',
    });
    const ok = openEnvelope(jwe, { keys, expect: { ...expect, purpose: 'change-password' }, now: NOW });
    assert.ok(ok.ok && ok.claims.purpose === 'change-password' && ok.claims.newPassword === 'new-pass');
    assert.equal(codeOf(openEnvelope(jwe, { keys, expect, now: NOW })), 'ENVELOPE_WRONG_PURPOSE');
  });

  test('tampered ciphertext, tag, iv or header is refused', () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const [h, k, iv, ct, tag] = jwe.split('.') as [string, string, string, string, string];
    const flip = (part: string) => {
      const b = Buffer.from(part, 'base64url');
      b[0] = (b[0] ?? 0) ^ 1;
      return b.toString('base64url');
    };
    const headerJson = JSON.parse(Buffer.from(h, 'base64url').toString());
    const otherHeader = Buffer.from(JSON.stringify({ ...headerJson, cty: 'x' })).toString('base64url');
    const cases: Array<[string, string, string]> = [
      ['ciphertext', [h, k, iv, flip(ct), tag].join('.'), 'ENVELOPE_DECRYPT_FAILED'],
      ['tag', [h, k, iv, ct, flip(tag)].join('.'), 'ENVELOPE_DECRYPT_FAILED'],
      ['iv', [h, k, flip(iv), ct, tag].join('.'), 'ENVELOPE_DECRYPT_FAILED'],
      ['header (AAD)', [otherHeader, k, iv, ct, tag].join('.'), 'ENVELOPE_DECRYPT_FAILED'],
      ['truncated', [h, k, iv, ct].join('.'), 'ENVELOPE_MALFORMED'],
      ['encrypted key present', [h, 'AAAA', iv, ct, tag].join('.'), 'ENVELOPE_MALFORMED'],
      ['not base64url', [h, k, iv, `${ct}*`, tag].join('.'), 'ENVELOPE_MALFORMED'],
    ];
    for (const [name, tampered, code] of cases) {
      assert.equal(codeOf(openEnvelope(tampered, { keys, expect, now: NOW })), code, name);
    }
  });

  test('a header with another algorithm is refused before any decryption', () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const [h, ...rest] = jwe.split('.');
    const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString());
    for (const change of [{ alg: 'RSA-OAEP' }, { enc: 'A128GCM' }, { alg: 'dir' }, { typ: 'JWT' }, { crit: ['exp'] }]) {
      const forged = Buffer.from(JSON.stringify({ ...header, ...change })).toString('base64url');
      assert.equal(codeOf(openEnvelope([forged, ...rest].join('.'), { keys, expect, now: NOW })), 'ENVELOPE_MALFORMED');
    }
  });

  test('wrong key: an envelope for another agent key does not open', () => {
    const other = generateEnvelopeKeyPair();
    const jwe = sealEnvelope(recipient, binding, secret);
    assert.equal(
      codeOf(openEnvelope(jwe, { keys: new Map([[other.kid, other.privateKey]]), expect, now: NOW })),
      'ENVELOPE_UNKNOWN_KEY',
    );
    // Same kid pointing at the wrong private key (e.g. a corrupted state dir): decryption fails, no crash.
    assert.equal(
      codeOf(openEnvelope(jwe, { keys: new Map([[agentKeys.kid, other.privateKey]]), expect, now: NOW })),
      'ENVELOPE_DECRYPT_FAILED',
    );
  });

  test('expired, not-yet-valid, wrong tenant, wrong audience, wrong request are refused', () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const open = (o: Partial<Parameters<typeof openEnvelope>[1]>) =>
      codeOf(openEnvelope(jwe, { keys, expect, now: NOW, ...o }));
    assert.equal(open({ now: NOW + 30_000 + 5_001 }), 'ENVELOPE_EXPIRED');
    assert.equal(open({ now: NOW + 31_000, clockSkewMs: 0 }), 'ENVELOPE_EXPIRED');
    assert.equal(open({ now: NOW - 10_000 }), 'ENVELOPE_NOT_YET_VALID');
    assert.equal(open({ expect: { ...expect, tenantId: 'tenant-b' } }), 'ENVELOPE_WRONG_TENANT');
    assert.equal(open({ expect: { ...expect, audience: 'agent-2' } }), 'ENVELOPE_WRONG_AUDIENCE');
    assert.equal(open({ expect: { ...expect, requestId: 'req-2' } }), 'ENVELOPE_WRONG_REQUEST');
    assert.equal(open({}), 'ok');
  });

  test('replay: the same envelope opens once per replay cache', () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const replayCache = new ReplayCache();
    assert.equal(codeOf(openEnvelope(jwe, { keys, expect, now: NOW, replayCache })), 'ok');
    assert.equal(codeOf(openEnvelope(jwe, { keys, expect, now: NOW + 1000, replayCache })), 'ENVELOPE_REPLAYED');
    // A fresh encryption of the same request id is a replay too: the binding, not the bytes, is remembered.
    const again = sealEnvelope(recipient, binding, secret);
    assert.equal(codeOf(openEnvelope(again, { keys, expect, now: NOW + 1000, replayCache })), 'ENVELOPE_REPLAYED');
  });

  test('the replay cache is bounded and fails closed when full', () => {
    const cache = new ReplayCache({ maxEntries: 2 });
    assert.ok(cache.remember('a', NOW + 10, NOW));
    assert.ok(cache.remember('b', NOW + 10, NOW));
    assert.equal(cache.remember('c', NOW + 10, NOW), false);
    // Once entries expire they are swept and new ids fit again.
    assert.ok(cache.remember('c', NOW + 100, NOW + 20));
    assert.equal(cache.size, 1);
  });

  test('empty passwords and bad bindings are never sealed', () => {
    assert.throws(
      () => sealEnvelope(recipient, binding, { ...secret, password: '' }),
      (e: unknown) => {
        return e instanceof ProtocolError && e.code === 'ENVELOPE_BAD_INPUT' && !e.message.includes('Pa55');
      },
    );
    assert.throws(() => sealEnvelope(recipient, { ...binding, tenantId: '' }, secret), ProtocolError);
  });

  test('one copy per agent: each agent opens only its own copy', () => {
    const second = generateEnvelopeKeyPair();
    const copies = sealEnvelopes(
      [recipient, { agentId: 'agent-2', key: importEnvelopePublicKey(second.publicJwk) }],
      binding,
      secret,
    );
    assert.equal(copies.size, 2);
    const forSecond = copies.get('agent-2') ?? '';
    const secondKeys = new Map([[second.kid, second.privateKey]]);
    assert.ok(openEnvelope(forSecond, { keys: secondKeys, expect: { ...expect, audience: 'agent-2' }, now: NOW }).ok);
    // Agent 1 cannot open agent 2's copy, and agent 2 cannot pass agent 1's copy off as its own.
    assert.equal(codeOf(openEnvelope(forSecond, { keys, expect, now: NOW })), 'ENVELOPE_UNKNOWN_KEY');
    const forFirst = copies.get('agent-1') ?? '';
    assert.equal(
      codeOf(openEnvelope(forFirst, { keys: secondKeys, expect: { ...expect, audience: 'agent-2' }, now: NOW })),
      'ENVELOPE_UNKNOWN_KEY',
    );
  });

  test('importEnvelopePublicKey refuses non-X25519 keys and a kid that is not the thumbprint', () => {
    const bad = [
      { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' },
      { kty: 'OKP', crv: 'Ed25519', x: agentKeys.publicJwk.x },
      { ...agentKeys.publicJwk, kid: 'chosen-by-attacker' },
      { kty: 'OKP', crv: 'X25519', x: 'short' },
      null,
    ];
    for (const jwk of bad) assert.throws(() => importEnvelopePublicKey(jwk), ProtocolError);
  });
});

describe('interoperability with jose', () => {
  test('jose decrypts our envelope', async () => {
    const jwe = sealEnvelope(recipient, binding, secret);
    const privateJwk = agentKeys.privateKey.export({ format: 'jwk' });
    const key = await importJWK({ ...privateJwk, alg: 'ECDH-ES' }, 'ECDH-ES');
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, key);
    assert.equal(protectedHeader.alg, 'ECDH-ES');
    assert.equal(protectedHeader.enc, 'A256GCM');
    assert.equal(protectedHeader.kid, agentKeys.kid);
    assert.equal(JSON.parse(new TextDecoder().decode(plaintext)).password, secret.password);
  });

  test('we open an envelope encrypted by jose', async () => {
    const claims = { v: 1, ...secret, ...binding, audience: 'agent-1' };
    const publicKey = createPublicKey(createPrivateKey(agentKeys.privateKey.export({ format: 'pem', type: 'pkcs8' })));
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: ENVELOPE_TYP, kid: agentKeys.kid })
      .encrypt(publicKey);
    const result = openEnvelope(jwe, { keys, expect, now: NOW });
    assert.ok(result.ok, codeOf(result));
    assert.equal(result.claims.purpose === 'validate' && result.claims.password, secret.password);
  });
});

describe('hot-path sealer and content-key cache', () => {
  const epkOf = (jwe: string) => JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString()).epk.x as string;

  test('reuses its ephemeral key up to maxUses and maxAgeMs, with a fresh IV per copy', () => {
    let clock = NOW;
    const sealer = createEnvelopeSealer({ maxUses: 3, maxAgeMs: 1000, now: () => clock });
    const a = sealer.seal(recipient, binding, secret);
    const b = sealer.seal(recipient, { ...binding, requestId: 'req-2' }, secret);
    const c = sealer.seal(recipient, { ...binding, requestId: 'req-3' }, secret);
    const d = sealer.seal(recipient, { ...binding, requestId: 'req-4' }, secret);
    assert.equal(epkOf(a), epkOf(b));
    assert.equal(epkOf(a), epkOf(c));
    assert.notEqual(epkOf(c), epkOf(d), 'rotated after 3 uses');
    assert.equal(new Set([a, b, c].map((jwe) => jwe.split('.')[2])).size, 3, 'distinct IVs');
    clock += 1000;
    assert.notEqual(epkOf(sealer.seal(recipient, binding, secret)), epkOf(d), 'rotated after maxAgeMs');
  });

  test('its copies open with and without a key cache, and in jose; tampering is still caught with a cached key', async () => {
    const sealer = createEnvelopeSealer();
    const second = generateEnvelopeKeyPair();
    const recipients = [recipient, { agentId: 'agent-2', key: importEnvelopePublicKey(second.publicJwk) }];
    const first = sealer.sealAll(recipients, binding, secret);
    const next = sealer.sealAll(recipients, { ...binding, requestId: 'req-2' }, secret);
    const keyCache = new EnvelopeKeyCache({ maxEntries: 8 });
    const open = (jwe: string, requestId: string, cache?: EnvelopeKeyCache) =>
      codeOf(
        openEnvelope(jwe, { keys, expect: { ...expect, requestId }, now: NOW, ...(cache ? { keyCache: cache } : {}) }),
      );
    assert.equal(open(first.get('agent-1')!, 'req-1', keyCache), 'ok');
    assert.equal(keyCache.size, 1);
    assert.equal(open(next.get('agent-1')!, 'req-2', keyCache), 'ok', 'second copy opens from the cached key');
    assert.equal(keyCache.size, 1, 'same (kid, epk): no new agreement');
    assert.equal(open(next.get('agent-1')!, 'req-2'), 'ok', 'also without a cache');
    const [h, k, iv, ct, tag] = next.get('agent-1')!.split('.') as [string, string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    assert.equal(
      open([h, k, iv, flipped.toString('base64url'), tag].join('.'), 'req-2', keyCache),
      'ENVELOPE_DECRYPT_FAILED',
    );
    const privateJwk = agentKeys.privateKey.export({ format: 'jwk' });
    const { plaintext } = await compactDecrypt(
      next.get('agent-1')!,
      await importJWK({ ...privateJwk, alg: 'ECDH-ES' }, 'ECDH-ES'),
    );
    assert.equal(JSON.parse(new TextDecoder().decode(plaintext)).requestId, 'req-2');
  });

  test('the key cache is bounded', () => {
    const cache = new EnvelopeKeyCache({ maxEntries: 2 });
    cache.set('a', Buffer.alloc(32, 1));
    cache.set('b', Buffer.alloc(32, 2));
    cache.set('c', Buffer.alloc(32, 3));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined, 'oldest dropped');
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('the sealer refuses empty passwords too', () => {
    assert.throws(() => createEnvelopeSealer().seal(recipient, binding, { ...secret, password: '' }), ProtocolError);
  });
});
