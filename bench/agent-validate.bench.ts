/**
 * validate() against raw ldapts binds, on the Samba AD test bed, at concurrency 1, 4 and 16, in one run.
 *
 * Baseline: `c` ldapts clients, each with one open LDAPS connection, re-binding in a loop (the fastest way to check
 * a password with LDAP). Compared with it:
 *   - validate() right password, default config, a repeat sign-in: one bind, the cached attributes trusted because
 *     change tracking (change-watcher.ts) is current;
 *   - the same with change tracking off (changePollMs 0): one bind, then the bound session's token read from the root
 *     DSE to verify the cached attributes (the verified attribute cache, attribute-cache.ts);
 *   - a first sign-in (cacheMs 1: every entry has expired by the next sign-in): the bind with the user lookup for the
 *     cloud's attributes (objectGuid, names, mail, nested groups from memberOf + the cached group graph) prefetched in
 *     parallel, then the token read;
 *   - the cache off (cacheMs 0): bind + prefetched lookup, no token read;
 *   - validate() right password with groups by LDAP_MATCHING_RULE_IN_CHAIN (one more search per sign-in; cache off);
 *   - the ceilings (ldapts, no agent code): raw bind then token read on the same connection (what a cached sign-in
 *     asks of the DC), and raw bind with a raw lookup in parallel (what a sign-in without the cache asks);
 *   - raw bind vs validate() for an unknown user (52e; no lockout) with prefetch off: both send exactly one bind,
 *     so the difference is the agent's own overhead (input checks, pool, DC choice, outcome mapping, log, metrics).
 * Variants run interleaved in rounds so that load from other processes on the machine hits them alike. Besides
 * ops/s, p50 and p99, the CPU time per operation is printed for this process (client side) and for the Samba DC
 * (its processes, from /proc): unlike throughput they do not depend on other load on the machine. The DC and this
 * process share the 2 cores, so "CPU-bound" = (client + DC CPU of the baseline) / (client + DC CPU of the variant) is
 * the throughput ratio to expect when the machine is saturated, and "DC-bound" the one on a DC with its own cores.
 *
 * `node bench/agent-validate.bench.ts [seconds-per-round] [rounds]` (default 1 s, 6 rounds).
 */
import { Client } from 'ldapts';
import {
  type AgentConfigInput,
  createAgentLogger,
  createDirectoryValidator,
  type DirectoryValidator,
  parseAgentConfig,
  resolveDirectoryConfig,
} from '../packages/agent/src/index.ts';
import { adTestbed } from '../scripts/testbed/index.ts';
import { sambaCpuUs } from './dc-cpu.ts';

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 6);
const ad = await adTestbed();
// A fresh user for right-password binds; wrong passwords go to an unknown user (52e), which no lockout touches.
const user = await ad.createUser({ prefix: 'bench' });
const unknown = ad.unknownUpn;

interface Sample {
  latencies: number[];
  elapsedS: number;
  cpuUs: number;
  dcCpuUs: number;
  errors: number;
}

interface Variant {
  readonly name: string;
  readonly baseline?: string;
  open(concurrency: number): Promise<{ op: (worker: number) => Promise<boolean>; close(): Promise<void> }>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function round(concurrency: number, op: (worker: number) => Promise<boolean>, into: Sample): Promise<void> {
  const cpu = process.cpuUsage();
  const dcCpu = sambaCpuUs() ?? Number.NaN;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t = performance.now();
        const ok = await op(w);
        into.latencies.push(performance.now() - t);
        if (!ok) into.errors++;
      }
    }),
  );
  into.elapsedS += (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  into.cpuUs += used.user + used.system;
  into.dcCpuUs += (sambaCpuUs() ?? Number.NaN) - dcCpu;
}

function rawBinds(name: string, password: string, expectOk: boolean): Variant['open'] {
  return async (concurrency) => {
    const clients = Array.from(
      { length: concurrency },
      () => new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions }),
    );
    return {
      op: async (w) => {
        try {
          await clients[w]!.bind(name, password);
          return expectOk;
        } catch (error) {
          return !expectOk && (error as { code?: number }).code === 49;
        }
      },
      close: async () => {
        await Promise.all(clients.map((c) => c.unbind()));
      },
    };
  };
}

/**
 * What validate() sends for a right password, with no agent code: the bind on one connection and, in parallel, the
 * lookup (the same filter and attributes) on a service-account connection. Its ratio to raw binds is the ceiling
 * for validate() on this DC.
 */
function rawBindAndLookup(): Variant['open'] {
  return async (concurrency) => {
    const open = () => new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
    const users = Array.from({ length: concurrency }, open);
    const services = Array.from({ length: concurrency }, open);
    await Promise.all(services.map((c) => c.bind(ad.users.service.upn, ad.users.service.password)));
    const filter = `(&(objectCategory=person)(objectClass=user)(userPrincipalName=${user.upn}))`;
    const attributes = ['objectGUID', 'userPrincipalName', 'sAMAccountName', 'displayName', 'givenName', 'sn'];
    return {
      op: async (w) => {
        const [, found] = await Promise.all([
          users[w]!.bind(user.upn, user.password),
          services[w]!.search(ad.baseDn, {
            scope: 'sub',
            filter,
            sizeLimit: 2,
            attributes: [...attributes, 'mail', 'memberOf'],
            explicitBufferAttributes: ['objectGUID'],
          }),
        ]);
        return found.searchEntries.length === 1;
      },
      close: async () => {
        await Promise.all([...users, ...services].map((c) => c.unbind()));
      },
    };
  };
}

/**
 * What a repeat sign-in asks of the DC with the verified attribute cache, with no agent code: the bind, then the
 * root DSE's tokenGroups on the same connection. Its ratio to raw binds is the ceiling for the default validate().
 */
function rawBindThenToken(): Variant['open'] {
  return async (concurrency) => {
    const users = Array.from(
      { length: concurrency },
      () => new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions }),
    );
    return {
      op: async (w) => {
        await users[w]!.bind(user.upn, user.password);
        const { searchEntries } = await users[w]!.search('', {
          scope: 'base',
          attributes: ['tokenGroups'],
          explicitBufferAttributes: ['tokenGroups'],
        });
        return searchEntries.length === 1;
      },
      close: async () => {
        await Promise.all(users.map((c) => c.unbind()));
      },
    };
  };
}

function validator(
  concurrency: number,
  attributes: AgentConfigInput['directory']['attributes'] = {},
): DirectoryValidator {
  const config = parseAgentConfig(
    {
      directory: {
        dcs: [{ url: ad.ldapsUrl, serverName: ad.servername }],
        tls: { caFile: ad.caFile },
        baseDn: ad.baseDn,
        domain: ad.domain,
        serviceAccount: { bindDn: ad.users.service.upn, passwordEnv: 'BENCH_SERVICE_PASSWORD' },
        pool: { userBindsPerDc: concurrency, servicePerDc: concurrency },
        attributes,
      },
    },
    { env: {} },
  );
  return createDirectoryValidator(
    resolveDirectoryConfig(config.directory, { BENCH_SERVICE_PASSWORD: ad.users.service.password }),
    { logger: createAgentLogger({ level: 'info', destination: { write: () => {} } }) },
  );
}

/**
 * With change tracking on (the default), a repeat sign-in is served without the token read once the watcher's first
 * poll (after changePollMs) covers the entry: sign in until that happens (at most 15 s) so rounds measure the steady
 * state, not the first seconds of a fresh agent.
 */
async function untilTracked(v: DirectoryValidator, name: string, password: string, concurrency: number) {
  const tracked = async () => {
    const data = await v.metrics.getSingleMetric('openpta_agent_attribute_cache_total')?.get();
    return data?.values.find((x) => x.labels.result === 'hit_tracked')?.value ?? 0;
  };
  const end = performance.now() + 15_000;
  while (performance.now() < end && (await tracked()) === 0) {
    await Promise.all(Array.from({ length: concurrency }, () => v.validate(name, password)));
  }
}

function viaValidate(
  name: string,
  password: string,
  want: string,
  attributes?: AgentConfigInput['directory']['attributes'],
) {
  return async (concurrency: number) => {
    const v = validator(concurrency, attributes);
    if (want === 'ok' && concurrency > 1) await untilTracked(v, name, password, concurrency);
    return {
      op: async () => (await v.validate(name, password)).outcome === want,
      close: () => v.close(),
    };
  };
}

const VARIANTS: Variant[] = [
  { name: 'raw bind, right password', open: rawBinds(user.upn, user.password, true) },
  {
    name: 'raw bind; token read (ceiling)',
    baseline: 'raw bind, right password',
    open: rawBindThenToken(),
  },
  {
    name: 'validate() ok, default (repeat)',
    baseline: 'raw bind, right password',
    open: viaValidate(user.upn, user.password, 'ok'),
  },
  {
    name: 'validate() ok, token check',
    baseline: 'raw bind, right password',
    open: viaValidate(user.upn, user.password, 'ok', { changePollMs: 0 }),
  },
  {
    name: 'validate() ok, first sign-in',
    baseline: 'raw bind, right password',
    open: viaValidate(user.upn, user.password, 'ok', { cacheMs: 1 }),
  },
  {
    name: 'raw bind || lookup (ceiling)',
    baseline: 'raw bind, right password',
    open: rawBindAndLookup(),
  },
  {
    name: 'validate() ok, cache off',
    baseline: 'raw bind, right password',
    open: viaValidate(user.upn, user.password, 'ok', { cacheMs: 0 }),
  },
  {
    name: 'validate() ok, in-chain groups',
    baseline: 'raw bind, right password',
    open: viaValidate(user.upn, user.password, 'ok', { groups: 'nested-in-chain', cacheMs: 0 }),
  },
  { name: 'raw bind, unknown user', open: rawBinds(unknown, ad.wrongPassword, false) },
  {
    name: 'validate() unknown, no prefetch',
    baseline: 'raw bind, unknown user',
    open: viaValidate(unknown, ad.wrongPassword, 'invalid_credentials', { prefetch: false }),
  },
];

console.log(
  `agent validate() vs raw ldapts re-binds; Samba AD DC ${ad.ldapsUrl}; ${rounds} interleaved rounds x ${seconds} s`,
);
for (const concurrency of [1, 4, 16]) {
  const opened = await Promise.all(VARIANTS.map((v) => v.open(concurrency)));
  const samples = VARIANTS.map((): Sample => ({ latencies: [], elapsedS: 0, cpuUs: 0, dcCpuUs: 0, errors: 0 }));
  // Warm-up: every connection opened, caches filled.
  for (const o of opened) await Promise.all(Array.from({ length: concurrency }, (_, w) => o.op(w)));
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round: no variant always runs right after the heaviest one.
    for (let k = 0; k < VARIANTS.length; k++) {
      const i = (k + r) % VARIANTS.length;
      await round(concurrency, opened[i]!.op, samples[i]!);
    }
  }
  await Promise.all(opened.map((o) => o.close()));
  console.log(`\nconcurrency ${concurrency}`);
  const figures = new Map<string, { ops: number; p50: number; p99: number; cpu: number; dc: number }>();
  VARIANTS.forEach((v, i) => {
    const s = samples[i]!;
    s.latencies.sort((a, b) => a - b);
    const f = {
      ops: s.latencies.length / s.elapsedS,
      p50: percentile(s.latencies, 50),
      p99: percentile(s.latencies, 99),
      cpu: s.cpuUs / Math.max(1, s.latencies.length),
      dc: s.dcCpuUs / Math.max(1, s.latencies.length),
    };
    figures.set(v.name, f);
    const base = v.baseline ? figures.get(v.baseline) : undefined;
    const ratio = base
      ? `  throughput x${(f.ops / base.ops).toFixed(2)}  p50 ${f.p50 - base.p50 >= 0 ? '+' : ''}${(f.p50 - base.p50).toFixed(2)} ms  cpu ${f.cpu - base.cpu >= 0 ? '+' : ''}${(f.cpu - base.cpu).toFixed(0)} us` +
        `  CPU-bound x${((base.cpu + base.dc) / (f.cpu + f.dc)).toFixed(2)} (agent+DC share 2 cores), DC-bound x${(base.dc / f.dc).toFixed(2)}`
      : '';
    console.log(
      `  ${v.name.padEnd(32)} ${f.ops.toFixed(0).padStart(5)} ops/s  p50 ${f.p50.toFixed(2).padStart(7)} ms  ` +
        `p99 ${f.p99.toFixed(2).padStart(7)} ms  cpu ${f.cpu.toFixed(0).padStart(4)} us/op  DC cpu ${f.dc.toFixed(0).padStart(5)} us/op` +
        `${s.errors ? `  ERRORS ${s.errors}` : ''}${ratio}`,
    );
  });
}
