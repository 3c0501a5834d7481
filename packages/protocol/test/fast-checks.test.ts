import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { envelopeClaimsSchema } from '../src/envelope/claims.ts';
import { fastEnvelopeClaims } from '../src/envelope/fast-claims.ts';
import { FAST_FRAME_CHECKS } from '../src/frames/fast-checks.ts';
import { FRAME_SCHEMAS, type FrameType } from '../src/frames/frame.ts';

// The hand-written checks may refuse more than zod (the caller then asks zod) but must never accept what zod refuses,
// and what they accept must be exactly zod's output: same fields, same order, unknown fields dropped.

const ENVELOPE = `${'h'.repeat(40)}..${'i'.repeat(16)}.${'c'.repeat(60)}.${'t'.repeat(22)}`;
const GUID = '0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6';

const BASES: Record<string, Record<string, unknown>[]> = {
  'validate-request': [
    { type: 'validate-request', requestId: 'r-1:a.b_c', envelope: ENVELOPE, expiresAt: 1_700_000_000_000 },
    { type: 'validate-request', requestId: 'r1', envelope: ENVELOPE, expiresAt: 0, usernameDomain: 'corp.example' },
  ],
  'change-password-request': [
    { type: 'change-password-request', requestId: 'r2', envelope: ENVELOPE, expiresAt: 5, usernameDomain: 'x.y' },
  ],
  'validate-response': [
    { type: 'validate-response', requestId: 'r1', outcome: 'invalid_credentials' },
    {
      type: 'validate-response',
      requestId: 'r1',
      outcome: 'ok',
      attributes: {
        objectGuid: GUID,
        upn: 'alice@corp.example',
        sam: 'alice',
        displayName: 'Alice',
        givenName: 'A',
        sn: 'L',
        mail: 'alice@corp.example',
        groups: ['CN=g1,DC=corp', 'CN=g2,DC=corp'],
        dn: 'CN=Alice,DC=corp',
      },
      dc: 'dc1.corp.example',
      timings: { decryptMs: 0.1, searchMs: 1, bindMs: 3, directoryMs: 3.5, totalMs: 4 },
      credits: 3,
    },
    // Fields in another order than the schema's: the output follows the schema.
    {
      timings: { totalMs: 4, decryptMs: 0 },
      dc: '',
      attributes: { groups: [], upn: 'u', objectGuid: GUID },
      outcome: 'account_locked',
      requestId: 'r9',
      type: 'validate-response',
    },
  ],
  'change-password-response': [
    { type: 'change-password-response', requestId: 'r2', outcome: 'password_policy', dc: 'dc', timings: {} },
    { credits: 0, type: 'change-password-response', requestId: 'r2', outcome: 'ok' },
  ],
  credit: [
    { type: 'credit', credits: 0 },
    { type: 'credit', credits: 64 },
  ],
};

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  8_640_000_000_000_000,
  8_640_000_000_000_001,
  3_600_000,
  3_600_001,
  10_000,
  10_001,
  '',
  'a',
  'bad char!',
  'A'.repeat(20),
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(255),
  'a'.repeat(256),
  'a'.repeat(257),
  'a'.repeat(1024),
  'a'.repeat(1025),
  'a'.repeat(4097),
  'ok',
  'validate',
  GUID,
  GUID.toUpperCase(),
  ENVELOPE,
  `${ENVELOPE}.x`,
  [],
  ['x'],
  [1],
  Array.from({ length: 4097 }, () => 'g'),
  {},
  { objectGuid: GUID },
  { objectGuid: GUID, upn: 7 },
  { totalMs: -1 },
  { totalMs: 1, extra: 2 },
  Object.create(null),
];

/** Every base with each field removed, replaced by each odd value, or joined by an unknown field. */
function* mutations(base: Record<string, unknown>): Generator<unknown> {
  yield base;
  yield { ...base, unknown: 'x' };
  for (const key of Object.keys(base)) {
    const { [key]: _, ...without } = base;
    yield without;
    for (const v of ODD_VALUES) yield { ...base, [key]: v };
    const nested = base[key];
    if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
      for (const inner of Object.keys(nested)) {
        const { [inner]: __, ...innerWithout } = nested as Record<string, unknown>;
        yield { ...base, [key]: innerWithout };
        for (const v of ODD_VALUES) yield { ...base, [key]: { ...nested, [inner]: v } };
      }
      yield { ...base, [key]: { ...nested, unknown: 1 } };
    }
  }
}

/** deepStrictEqual plus the same key order at every level. */
function sameOutput(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

describe('fast frame checks agree with the zod schemas', () => {
  for (const [type, bases] of Object.entries(BASES)) {
    test(type, () => {
      const check = FAST_FRAME_CHECKS[type]!;
      const schema = FRAME_SCHEMAS[type as FrameType];
      for (const base of bases) {
        // The valid frames take the fast path.
        const fast = check(base);
        assert.notEqual(fast, undefined, JSON.stringify(base));
        sameOutput(fast, schema.parse(base));
      }
      let accepted = 0;
      let refused = 0;
      for (const base of bases) {
        for (const input of mutations(base)) {
          const fast = check(input as Record<string, unknown>);
          const zod = schema.safeParse(input);
          if (fast === undefined) {
            refused++;
            continue;
          }
          accepted++;
          assert.ok(zod.success, `fast check accepted what zod refuses: ${JSON.stringify(input)?.slice(0, 300)}`);
          sameOutput(fast, zod.data);
        }
      }
      assert.ok(accepted > 0 && refused > 0);
    });
  }
});

describe('fast envelope claims agree with envelopeClaimsSchema', () => {
  const bases: Record<string, unknown>[] = [
    {
      v: 1,
      purpose: 'validate',
      username: 'alice@corp.example',
      password: 'pw',
      requestId: 'r1',
      tenantId: 't1',
      audience: 'a1',
      issuedAt: 1,
      expiresAt: 2,
    },
    {
      v: 1,
      purpose: 'change-password',
      username: 'alice@corp.example',
      oldPassword: 'old',
      newPassword: 'new',
      requestId: 'r1',
      tenantId: 't1',
      audience: 'a1',
      issuedAt: 0,
      expiresAt: 0,
    },
  ];
  test('valid, mutated and odd claims', () => {
    for (const base of bases) {
      const fast = fastEnvelopeClaims(base);
      assert.notEqual(fast, undefined);
      sameOutput(fast, envelopeClaimsSchema.parse(base));
    }
    let accepted = 0;
    for (const base of bases) {
      for (const input of [
        ...mutations(base),
        { ...base, purpose: 'change-password' },
        { ...base, purpose: 'validate' },
      ]) {
        const fast = fastEnvelopeClaims(input);
        if (fast === undefined) continue;
        accepted++;
        const zod = envelopeClaimsSchema.safeParse(input);
        assert.ok(zod.success, `fast check accepted what zod refuses: ${JSON.stringify(input)}`);
        sameOutput(fast, zod.data);
      }
    }
    assert.ok(accepted > 2);
    for (const odd of ODD_VALUES) assert.equal(fastEnvelopeClaims(odd), undefined);
  });
});
