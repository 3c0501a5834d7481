/**
 * (b) End-to-end validations per second against the trial directory (no injected latency), measured from the
 * CredentialVerifier call (what the sign-in POST handler calls) to the outcome: input checks, envelope sealing,
 * per-tenant dispatch with credit flow control, one mutual-TLS WebSocket frame each way, envelope opening and replay
 * check on the agent, the agent's validator (LDAPS bind + user lookup) against the trial directory.
 *
 * Topology, as deployed: the cloud in this process, the agent in a second one, the trial directory in a third
 * (`openpta demo` runs them all in one process; here they are split as they would be deployed).
 * Baseline in the same run: the same agent validator called directly inside the agent process (no cloud, no
 * channel), at the same concurrency. Target: >= 3,000 validations/s on this 2-core machine.
 *
 * `node bench/e2e-trial.bench.ts [seconds-per-round] [rounds] [concurrency]` (default 3 s, 3 rounds, 256).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchCloud, startDirectoryProcess } from './e2e-stack.ts';
import { best, closedLoop, formatLoad, type LoadResult } from './e2e-support.ts';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 256);
const TARGET = 3000;

const dataDir = mkdtempSync(join(tmpdir(), 'openpta-bench-e2e-'));
const cloud = await startBenchCloud(dataDir);
const trial = await startDirectoryProcess();
const agentProcess = await cloud.startAgentProcess({ maxInFlight: 256, directory: trial.directory });
try {
  const e2e: LoadResult[] = [];
  const direct: LoadResult[] = [];
  const agentCpuPerOp: number[] = [];
  const directoryCpuPerOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const agentCpuBefore = await agentProcess.cpuMicros();
    const directoryCpuBefore = await trial.cpuMicros();
    e2e.push(
      await closedLoop(concurrency, seconds, async () => {
        const res = await cloud.verifier.verifyPassword({
          tenantId: cloud.tenantId,
          username: 'alice@corp.example.test',
          password: 'Alice-Pass-1',
          correlationId: 'bench',
        });
        return res.outcome === 'ok';
      }),
    );
    agentCpuPerOp.push((await agentProcess.cpuMicros()) - agentCpuBefore);
    agentCpuPerOp[r] = agentCpuPerOp[r]! / e2e[r]!.ops;
    directoryCpuPerOp.push(((await trial.cpuMicros()) - directoryCpuBefore) / e2e[r]!.ops);
    direct.push(await agentProcess.directLoad(concurrency, seconds));
  }
  const e = best(e2e);
  const d = best(direct);
  console.log(`concurrency ${concurrency}, ${rounds} rounds of ${seconds} s, best round of each`);
  console.log(formatLoad('agent validator alone (agent process)', d));
  console.log(formatLoad('cloud -> channel -> agent -> directory', e));
  console.log(`ratio e2e / agent alone:   ${(e.perSecond / d.perSecond).toFixed(2)}`);
  console.log(`ratio e2e / target ${TARGET}/s: ${(e.perSecond / TARGET).toFixed(2)}`);
  const cloudUs = e.cpuUsPerOp;
  const agentUs = Math.min(...agentCpuPerOp);
  const directoryUs = Math.min(...directoryCpuPerOp);
  console.log(
    `CPU per e2e validation: cloud ${cloudUs.toFixed(0)} us, agent ${agentUs.toFixed(0)} us, trial directory ${directoryUs.toFixed(0)} us`,
  );
  const capacity = 2_000_000 / (cloudUs + agentUs + directoryUs);
  console.log(
    `CPU-bound capacity of the 2 cores for the whole chain: ${capacity.toFixed(0)}/s (ratio to target ${(capacity / TARGET).toFixed(2)}); the cloud's share alone on one core: ${(1_000_000 / cloudUs).toFixed(0)}/s`,
  );
  console.log(`CPU per validation, agent validator alone (agent process): ${d.cpuUsPerOp.toFixed(0)} us`);
  console.log(
    `load average at the end: ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 cores; other work on the machine skews throughput)`,
  );
} finally {
  await agentProcess.stop();
  await trial.stop();
  await cloud.close();
  rmSync(dataDir, { recursive: true, force: true });
}
