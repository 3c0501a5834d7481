/**
 * The channel alone: CredentialVerifier.verifyPassword in the cloud process -> sealed envelope -> dispatcher -> mTLS
 * WebSocket -> agent process (frame, envelope open, request handler, metrics) -> answer, with a stub validator in
 * the agent that answers 'ok' with attributes after a fixed delay, as a DC would. No LDAP and no DC: what is left is
 * the channel's own cost per request on both sides, in the regime of (a) (a few hundred requests per second, each on
 * its own, so nothing is amortised over a batch), without the Samba DC's CPU and its noise.
 *
 * `node bench/e2e-channel.bench.ts [seconds-per-round] [rounds] [concurrency] [delay-ms]` (default 3 s, 3 rounds,
 * 16 in flight, 40 ms: about 400/s like (a) at c=16). Prints CPU per request of the cloud (with the load generator)
 * and of the agent process, and the channel's round trip outside the agent's handler (p50).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchCloud } from './e2e-stack.ts';
import { closedLoop, formatLoad, percentile } from './e2e-support.ts';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 16);
const delayMs = Number(process.argv[5] ?? 40);

const dataDir = mkdtempSync(join(tmpdir(), 'openpta-bench-channel-'));
const cloud = await startBenchCloud(dataDir);
const agent = await cloud.startAgentProcess({ maxInFlight: 64, stubDelayMs: delayMs });
try {
  const cloudUs: number[] = [];
  const agentUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const channel: number[] = [];
    const before = await agent.cpuMicros();
    const result = await closedLoop(concurrency, seconds, async () => {
      const v = await cloud.verifier.verifyPassword({
        tenantId: cloud.tenantId,
        username: 'alice@corp.example.test',
        password: 'Alice-Pass-1',
        correlationId: 'bench',
      });
      if (v.timings?.queueMs !== undefined) channel.push(v.timings.queueMs);
      return v.outcome === 'ok';
    });
    const agentPerOp = ((await agent.cpuMicros()) - before) / Math.max(1, result.ops);
    cloudUs.push(result.cpuUsPerOp);
    agentUs.push(agentPerOp);
    channel.sort((a, b) => a - b);
    console.log(
      `${formatLoad(`round ${r + 1}: c=${concurrency}, stub ${delayMs} ms`, result)}  agent ${agentPerOp.toFixed(0)} us/op  channel p50 ${percentile(channel, 50).toFixed(2)} ms`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `CPU per request (median of rounds): cloud + load generator ${median(cloudUs).toFixed(0)} us, agent ${median(agentUs).toFixed(0)} us`,
  );
} finally {
  await agent.stop();
  await cloud.close();
  rmSync(dataDir, { recursive: true, force: true });
}
