/**
 * Password envelope cost: openpta's synchronous X25519 ECDH-ES + A256GCM envelope against jose's default calls for the
 * same job, measured in the same run. Reports operations per second and the ratio (ours / jose). The cloud seals one
 * copy per active agent of the tenant (3 here, the recommended minimum); the agent opens its own copy. The jose
 * columns of the hot-path rows repeat the jose figures of the same job (jose has no equivalent of key reuse).
 */
import { CompactEncrypt, compactDecrypt, GeneralEncrypt, importJWK } from 'jose';
import {
  createEnvelopeSealer,
  ENVELOPE_TYP,
  EnvelopeKeyCache,
  generateEnvelopeKeyPair,
  importEnvelopePublicKey,
  openEnvelope,
  sealEnvelope,
  sealEnvelopes,
} from '../packages/protocol/src/index.ts';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1500);
const IN_FLIGHT = 32;

const agents = [0, 1, 2].map((i) => {
  const pair = generateEnvelopeKeyPair();
  return { agentId: `agent-${i}`, pair, key: importEnvelopePublicKey(pair.publicJwk) };
});
const first = agents[0]!;
const binding = () => ({ requestId: 'r-1', tenantId: 't-1', expiresAt: Date.now() + 30_000 });
const secret = { purpose: 'validate' as const, username: 'alice@contoso.test', password: 'Correct-Horse-9' };
const plaintext = new TextEncoder().encode(JSON.stringify({ v: 1, ...secret, ...binding(), audience: 'agent-0' }));
const keys = new Map([[first.pair.kid, first.pair.privateKey]]);
const joseKeys = await Promise.all(
  agents.map(async (a) => ({
    pub: await importJWK({ ...a.pair.publicJwk, alg: 'ECDH-ES' }, 'ECDH-ES'),
    pubKw: await importJWK({ ...a.pair.publicJwk, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW'),
    priv: await importJWK({ ...a.pair.privateKey.export({ format: 'jwk' }), alg: 'ECDH-ES' }, 'ECDH-ES'),
  })),
);
const joseFirst = joseKeys[0]!;

function measureSync(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50;
  }
  return (ops * 1000) / (performance.now() - start);
}

async function measureAsync(fn: () => Promise<unknown>, inFlight: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    await Promise.all(Array.from({ length: inFlight }, fn));
    ops += inFlight;
  }
  return (ops * 1000) / (performance.now() - start);
}

const ourSealed = sealEnvelope(first, binding(), secret);
const joseSealed = await new CompactEncrypt(plaintext)
  .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: ENVELOPE_TYP, kid: first.pair.kid })
  .encrypt(joseFirst.pub);

const rows: Array<{ case: string; ours: number; jose1: number; jose32: number }> = [];

rows.push({
  case: 'seal, 1 agent (compact ECDH-ES)',
  ours: measureSync(() => sealEnvelope(first, binding(), secret)),
  jose1: await measureAsync(
    () => new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(joseFirst.pub),
    1,
  ),
  jose32: await measureAsync(
    () => new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(joseFirst.pub),
    IN_FLIGHT,
  ),
});

const general = () => {
  const enc = new GeneralEncrypt(plaintext).setProtectedHeader({ enc: 'A256GCM' });
  for (const k of joseKeys) enc.addRecipient(k.pubKw).setUnprotectedHeader({ alg: 'ECDH-ES+A256KW' });
  return enc.encrypt();
};
rows.push({
  case: 'seal, 3 agents (jose: GeneralEncrypt ECDH-ES+A256KW)',
  ours: measureSync(() => sealEnvelopes(agents, binding(), secret)),
  jose1: await measureAsync(general, 1),
  jose32: await measureAsync(general, IN_FLIGHT),
});

const sealer = createEnvelopeSealer();
rows.push({
  case: 'seal, 3 agents, hot-path sealer (ephemeral key reused)',
  ours: measureSync(() => sealer.sealAll(agents, binding(), secret)),
  jose1: rows[1]!.jose1,
  jose32: rows[1]!.jose32,
});

rows.push({
  case: 'open, 1 copy',
  ours: measureSync(() => {
    const r = openEnvelope(ourSealed, {
      keys,
      expect: { tenantId: 't-1', audience: 'agent-0', purpose: 'validate' },
    });
    if (!r.ok) throw new Error(r.error.code);
  }),
  jose1: await measureAsync(() => compactDecrypt(joseSealed, joseFirst.priv), 1),
  jose32: await measureAsync(() => compactDecrypt(joseSealed, joseFirst.priv), IN_FLIGHT),
});

const keyCache = new EnvelopeKeyCache();
const fromSealer = sealer.seal(first, binding(), secret);
rows.push({
  case: 'open, 1 copy, key cache (copies from the hot-path sealer)',
  ours: measureSync(() => {
    const r = openEnvelope(fromSealer, {
      keys,
      keyCache,
      expect: { tenantId: 't-1', audience: 'agent-0', purpose: 'validate' },
    });
    if (!r.ok) throw new Error(r.error.code);
  }),
  jose1: rows[3]!.jose1,
  jose32: rows[3]!.jose32,
});

console.log(`envelope: ops/s over ${DURATION_MS} ms each (2-core target for the whole stack: 3,000 validations/s)`);
console.table(
  rows.map((r) => ({
    case: r.case,
    'openpta ops/s': Math.round(r.ours),
    'jose ops/s (1 in flight)': Math.round(r.jose1),
    'jose ops/s (32 in flight)': Math.round(r.jose32),
    'ratio vs jose 1': `${(r.ours / r.jose1).toFixed(1)}x`,
    'ratio vs jose 32': `${(r.ours / r.jose32).toFixed(1)}x`,
  })),
);
