/**
 * (a) Against the Samba AD test bed: validations through cloud, queue, agent and DC vs raw LDAP binds against the
 * same DC, in one run. Targets: e2e throughput >= 0.9 of raw binds; added p50 < 2 ms.
 *
 * - raw binds: `c` ldapts clients, each with one open LDAPS connection, re-binding the user in a loop (the cheapest
 *   possible password check: one bind, no lookup);
 * - agent alone: the agent's validator called inside the agent process (bind + user lookup for the cloud's
 *   attributes), no cloud;
 * - e2e: CredentialVerifier.verifyPassword in the cloud process -> sealed envelope -> dispatcher -> mTLS WebSocket ->
 *   agent process (open envelope, validate) -> answer.
 * Concurrency 1 gives the latency figures, concurrency 16 the throughput ratio. Rounds interleave the variants.
 *
 * `node bench/e2e-ad.bench.ts [seconds-per-round] [rounds] [variants] [concurrencies]` (default 2 s, 3 rounds,
 * `raw,agent,e2e`, `1,16`). Fewer variants or one concurrency make profiles (`--cpu-prof`) of one path, e.g.
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof bench/e2e-ad.bench.ts 10 1 e2e 16`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { adTestbed } from '../scripts/testbed/index.ts';
import { sambaCpuUs } from './dc-cpu.ts';
import { startBenchCloud } from './e2e-stack.ts';
import { best, closedLoop, formatLoad, type LoadResult, percentile } from './e2e-support.ts';
import { pinDcToOwnCore, prioritiseDc } from './pin-cores.ts';

const seconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);
const variants = new Set((process.argv[4] ?? 'raw,agent,e2e').split(','));
const concurrencies = (process.argv[5] ?? '1,16').split(',').map(Number);
const tb = await adTestbed();
const user = await tb.createUser({ prefix: 'e2eb' });
const dataDir = mkdtempSync(join(tmpdir(), 'openpta-bench-ad-'));
const cloud = await startBenchCloud(dataDir);
const agent = await cloud.startAgentProcess({
  maxInFlight: 64,
  directory: {
    ldapsUrl: tb.ldapsUrl,
    caPem: tb.caPem,
    servername: tb.servername,
    baseDn: tb.baseDn,
    username: user.upn,
    password: user.password,
    serviceAccount: { bindDn: tb.users.service.upn, password: tb.users.service.password },
  },
});

// OPENPTA_BENCH_DC_OWN_CORE=1: the DC on a core of its own, as deployed (bench/pin-cores.ts).
const dcOwnCore = process.env.OPENPTA_BENCH_DC_OWN_CORE === '1';
if (dcOwnCore) console.log(pinDcToOwnCore());
// OPENPTA_BENCH_DC_PRIORITY=1: shared cores, but the DC's work first (bench/pin-cores.ts).
if (process.env.OPENPTA_BENCH_DC_PRIORITY === '1') console.log(prioritiseDc());

async function rawBinds(concurrency: number): Promise<LoadResult> {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = new Client({ url: tb.ldapsUrl, tlsOptions: tb.tlsOptions, timeout: 10_000, connectTimeout: 10_000 });
      await c.bind(user.upn, user.password);
      return c;
    }),
  );
  try {
    return await closedLoop(concurrency, seconds, async (w) => {
      await clients[w]!.bind(user.upn, user.password);
      return true;
    });
  } finally {
    await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
  }
}

/**
 * Where an e2e validation's time goes, from the timings the verifier returns: `channel` = the round trip minus the
 * agent's handling (sealing and dispatch in the cloud, both TLS hops, the agent's frame parsing and answer, and waiting
 * to be scheduled), `decrypt` = the agent's envelope open, `directory` = validate() in the agent.
 */
const phases: Record<string, { channel: number[]; decrypt: number[]; directory: number[] }> = {};

/** One validation through the whole stack: the cloud's verifier -> channel -> agent -> DC. */
const signIn = (correlationId: string) =>
  cloud.verifier.verifyPassword({
    tenantId: cloud.tenantId,
    username: user.upn,
    password: user.password,
    correlationId,
  });

const e2e = (concurrency: number) => {
  const k = `e2e c=${concurrency}`;
  const p = phases[k] ?? { channel: [], decrypt: [], directory: [] };
  phases[k] = p;
  return closedLoop(concurrency, seconds, async () => {
    const r = await signIn('bench');
    const t = r.timings;
    if (t?.queueMs !== undefined && t.agentMs !== undefined && t.directoryMs !== undefined) {
      p.channel.push(t.queueMs);
      p.decrypt.push(t.agentMs - t.directoryMs);
      p.directory.push(t.directoryMs);
    }
    return r.outcome === 'ok';
  });
};

try {
  // Measure the steady state of a deployed agent: sign in until its change tracking covers the user (the first USN
  // poll comes changePollMs, 5 s, after the agent's first sign-in); from then on a repeat sign-in is the bind alone.
  // Four at a time: the agent uses its attribute cache only with two or more sign-ins in flight (cacheFromConcurrency).
  const warmUntil = Date.now() + 15_000;
  while ((await agent.trackedHits()) === 0 && Date.now() < warmUntil) {
    await Promise.all(Array.from({ length: 4 }, () => signIn('bench-warm-up')));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(
    `agent change tracking: ${(await agent.trackedHits()) > 0 ? 'covers the user' : 'NOT covering the user (measuring the token-check path)'}`,
  );
  const results: Record<string, LoadResult[]> = {};
  // CPU per operation of every party (this process = bench client + cloud, the agent process, the Samba DC): unlike
  // throughput it does not depend on other load on the machine. Lowest of the rounds.
  const cpu: Record<string, { local: number; agent: number; dc: number }> = {};
  const add = async (k: string, run: () => Promise<LoadResult>) => {
    const agentBefore = await agent.cpuMicros();
    const dcBefore = sambaCpuUs() ?? Number.NaN;
    const r = await run();
    const ops = Math.max(1, r.ops);
    const agentUs = ((await agent.cpuMicros()) - agentBefore) / ops;
    const dcUs = ((sambaCpuUs() ?? Number.NaN) - dcBefore) / ops;
    results[k] ??= [];
    results[k].push(r);
    // directLoad reports the agent process's own CPU; the raw binds leave the agent idle.
    const local = k.startsWith('agent alone') ? 0 : r.cpuUsPerOp;
    const agentOnly = k.startsWith('raw') ? 0 : agentUs;
    const prev = cpu[k];
    if (!prev || local + agentOnly + dcUs < prev.local + prev.agent + prev.dc) {
      cpu[k] = { local, agent: agentOnly, dc: dcUs };
    }
  };
  for (let r = 0; r < rounds; r++) {
    for (const c of concurrencies) {
      if (variants.has('raw')) await add(`raw binds c=${c}`, () => rawBinds(c));
      if (variants.has('agent')) await add(`agent alone c=${c}`, () => agent.directLoad(c, seconds));
      if (variants.has('e2e')) await add(`e2e c=${c}`, () => e2e(c));
    }
  }
  const b = (k: string) => best(results[k]!);
  for (const k of Object.keys(results)) console.log(formatLoad(k, b(k)));
  console.log('');
  console.log('CPU per operation (us): this process (bench client, cloud) / agent process / Samba DC');
  for (const [k, v] of Object.entries(cpu)) {
    console.log(
      `  ${k.padEnd(20)} ${v.local.toFixed(0).padStart(6)} / ${v.agent.toFixed(0).padStart(6)} / ${v.dc.toFixed(0).padStart(6)}`,
    );
  }
  const total = (k: string) => cpu[k]!.local + cpu[k]!.agent + cpu[k]!.dc;
  for (const [k, p] of Object.entries(phases)) {
    const p50 = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      ).toFixed(2);
    console.log(
      `  ${k.padEnd(20)} p50 of its parts: channel round trip ${p50(p.channel)} ms (cloud + both hops + agent outside validate()), envelope open ${p50(p.decrypt)} ms, directory ${p50(p.directory)} ms`,
    );
  }
  // The ratios need every variant at both concurrencies (a profiling run may measure fewer).
  const complete = ['raw binds', 'agent alone', 'e2e'].every((v) => `${v} c=1` in cpu && `${v} c=16` in cpu);
  if (complete) {
    console.log(
      `CPU-bound ratio e2e / raw binds (c=16, if all parties shared the 2 cores${dcOwnCore ? '; pinned here, so only an estimate' : ''}): ${(total('raw binds c=16') / total('e2e c=16')).toFixed(2)}; ` +
        `DC-bound (DC on its own cores): ${(cpu['raw binds c=16']!.dc / cpu['e2e c=16']!.dc).toFixed(2)}`,
    );
    console.log(
      `throughput ratio e2e / raw binds (c=16):   ${(b('e2e c=16').perSecond / b('raw binds c=16').perSecond).toFixed(2)} (target >= 0.9)`,
    );
    console.log(
      `throughput ratio e2e / agent alone (c=16): ${(b('e2e c=16').perSecond / b('agent alone c=16').perSecond).toFixed(2)}`,
    );
    console.log(
      `added p50 e2e - raw bind (c=1):            ${(b('e2e c=1').p50 - b('raw binds c=1').p50).toFixed(2)} ms (target < 2 ms)`,
    );
    console.log(
      `added p50 by the channel (e2e - agent):    ${(b('e2e c=1').p50 - b('agent alone c=1').p50).toFixed(2)} ms`,
    );
  }
} finally {
  await agent.stop();
  await cloud.close();
  rmSync(dataDir, { recursive: true, force: true });
}
