/**
 * (d) One cloud process holding 10,000 idle connected agents: memory per agent connection (target < 50 KiB).
 *
 * The cloud is the real app (HTTPS server, gateway, dispatcher, registry authentication against SQLite) in this
 * process; the agents are 4 child processes holding 2,500 mutual-TLS WebSocket connections each, all on loopback,
 * all with the certificate of one registered agent (the gateway keeps one dispatcher session per connection, so the
 * cloud-side cost per connection is the same as with distinct agents). Memory is measured after forced GC before and
 * after the connections: RSS (what the OS charges) and V8 heap + external (what the JS side holds).
 *
 * File descriptors: 10,000 sockets need a higher `ulimit -n`; the bench re-executes itself under `sh -c ulimit`.
 * `node bench/agents-idle.bench.ts [connections] [--memory-profile agents|node]` (default 10000, both profiles one
 * after the other). The profile is the one `openpta serve` applies (packages/cloud/src/memory-profile.ts): `agents`,
 * its default, runs the cloud (and the bare TLS baseline) with glibc malloc tunables that put Node's 64 KiB per-socket
 * TLS read buffer in its own mapping and a smaller V8 young generation; `node` keeps Node's and glibc's defaults.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAgentIdentity, registerAgent } from '../packages/agent/src/index.ts';
import {
  agentIdentityPlugin,
  createAgentChannel,
  createLogger,
  getAgentRegistry,
  loadCloudConfig,
  MEMORY_PROFILE_SETTINGS,
  type MemoryProfile,
  parseMemoryProfile,
  startCloud,
} from '../packages/cloud/src/index.ts';

const { values: flags, positionals } = parseArgs({
  options: { 'memory-profile': { type: 'string' } },
  allowPositionals: true,
});

if (process.env.OPENPTA_BENCH_REEXEC !== '1') {
  // Each profile in a fresh process: glibc and V8 take these settings only at process start.
  const profiles: MemoryProfile[] = flags['memory-profile']
    ? [parseMemoryProfile(flags['memory-profile'])]
    : ['agents', 'node'];
  let status = 0;
  for (const profile of profiles) {
    const settings = MEMORY_PROFILE_SETTINGS[profile];
    const r = spawnSync(
      'sh',
      [
        '-c',
        'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --expose-gc "$@"',
        process.execPath,
        ...settings.nodeFlags,
        process.argv[1]!,
        ...positionals,
        '--memory-profile',
        profile,
      ],
      { stdio: 'inherit', env: { ...process.env, ...settings.env, OPENPTA_BENCH_REEXEC: '1' } },
    );
    status ||= r.status ?? 1;
  }
  process.exit(status);
}

const profile = parseMemoryProfile(flags['memory-profile']);
const settings = MEMORY_PROFILE_SETTINGS[profile];
const total = Number(positionals[0] ?? 10_000);
const CHILDREN = 4;
const TARGET_BYTES = 50 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function settle(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return process.memoryUsage();
}

/**
 * `OPENPTA_BENCH_HEAPSNAPSHOT=<path>`: V8 heap snapshots of the cloud before (`<path>.before`) and after the
 * connections, to compare objects per connection by constructor. Writing them inflates that run's RSS figures.
 */
async function heapSnapshot(suffix: string): Promise<void> {
  const path = process.env.OPENPTA_BENCH_HEAPSNAPSHOT;
  if (path) (await import('node:v8')).writeHeapSnapshot(`${path}${suffix}`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'openpta-bench-idle-'));
const channel = createAgentChannel();
const config = loadCloudConfig({
  flags: { dataDir: join(dataDir, 'cloud'), host: '127.0.0.1', port: '0', logLevel: 'error' },
  env: {},
});
const cloud = await startCloud(config, {
  logger: createLogger('error'),
  credentialVerifier: channel.verifier,
  plugins: [agentIdentityPlugin(), channel.plugin],
  announce: () => {},
});
const children: ReturnType<typeof fork>[] = [];
try {
  const tenant = await cloud.ctx.services.tenants.create({ name: 'idle', domains: ['corp.example.test'] });
  const token = await getAgentRegistry(cloud.ctx).createRegistrationToken({ tenantId: tenant.id, actor: 'bench' });
  const caPem = readFileSync(cloud.ctx.tls.caFile!, 'utf8');
  const stateDir = join(dataDir, 'agent');
  await registerAgent({
    cloudUrl: cloud.ctx.config.publicUrl,
    token: token.token,
    stateDir,
    cloudCaPem: caPem,
    agentVersion: 'bench',
  });
  const identity = loadAgentIdentity(stateDir);

  const before = await settle();
  await heapSnapshot('.before');
  const started = performance.now();
  const per = Math.ceil(total / CHILDREN);
  await Promise.all(
    Array.from({ length: CHILDREN }, async (_, i) => {
      const child = fork(join(import.meta.dirname, 'agents-idle-client.ts'), [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const count = Math.min(per, total - i * per);
      const reply = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
        child.once('message', (m) => resolve(m as { ok: boolean }));
        child.send({
          cmd: 'start',
          url: identity.cloudUrl,
          cert: identity.certificatePem,
          key: identity.privateKeyPem,
          ca: caPem,
          count,
          batch: 50,
        });
      });
      if (!reply.ok) throw new Error(`agent child ${i}: ${reply.error}`);
    }),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const connected = channel.gateway.connectionCount();
  const after = await settle();
  await heapSnapshot('');
  const rss = (after.rss - before.rss) / connected;
  const js = (after.heapUsed + after.external - before.heapUsed - before.external) / connected;
  console.log(
    `memory profile ${profile} (as openpta serve --memory-profile ${profile}): ${
      profile === 'node'
        ? 'Node and glibc defaults'
        : `${Object.entries(settings.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')} ${settings.nodeFlags.join(' ')}`
    }`,
  );
  console.log(
    `connections held by the cloud: ${connected} (connected in ${connectSeconds.toFixed(1)} s, ${(connected / connectSeconds).toFixed(0)}/s)`,
  );
  console.log(`RSS before ${(before.rss / 2 ** 20).toFixed(0)} MiB, after ${(after.rss / 2 ** 20).toFixed(0)} MiB`);
  console.log(
    `memory per agent connection: RSS ${(rss / 1024).toFixed(1)} KiB, V8 heap+external ${(js / 1024).toFixed(1)} KiB`,
  );
  console.log(
    `ratio RSS per connection / target 50 KiB: ${(rss / TARGET_BYTES).toFixed(2)} (below 1 meets the target)`,
  );
  // Baseline in the same run: bare mutual-TLS connections to node:tls in a fresh process (no WebSocket, no app).
  const floorRun = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      ...settings.nodeFlags,
      join(import.meta.dirname, 'agents-idle-tls-floor.ts'),
      String(Math.min(connected, 5000)),
    ],
    { encoding: 'utf8' },
  );
  const floor = JSON.parse(floorRun.stdout.trim().split('\n').at(-1) || '{}') as {
    rssPerConnection?: number;
    connections?: number;
  };
  if (floor.rssPerConnection === undefined) {
    console.log(`baseline run failed: ${floorRun.stderr.slice(0, 500)}`);
  } else {
    const f = floor.rssPerConnection;
    console.log(
      `baseline: bare node:tls mutual-TLS connection (${floor.connections} held): RSS ${(f / 1024).toFixed(1)} KiB`,
    );
    console.log(`ratio agent connection / bare mTLS connection: ${(rss / f).toFixed(2)}`);
    console.log(
      `added by WebSocket + gateway + dispatcher session: ${((rss - f) / 1024).toFixed(1)} KiB per connection`,
    );
  }
} finally {
  for (const c of children) c.send({ cmd: 'stop' });
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await cloud.close();
  rmSync(dataDir, { recursive: true, force: true });
}
