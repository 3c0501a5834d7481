/** Child process of the e2e benchmarks: the trial directory on its own, so directory, agent and cloud use separate processes. */
import { pino } from 'pino';
import { DEMO_SERVICE_ACCOUNT, DEMO_USERS_FILE, startTrialDirectory } from '../packages/trial-directory/src/index.ts';
import type { BenchDirectory } from './e2e-stack.ts';

const directory = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: pino({ level: 'error' }) });
process.send?.({
  ldapsUrl: directory.ldapsUrl,
  caPem: directory.caPem ?? '',
  servername: directory.hostname,
  baseDn: directory.baseDn,
  username: 'alice@corp.example.test',
  password: 'Alice-Pass-1',
  serviceAccount: DEMO_SERVICE_ACCOUNT,
} satisfies BenchDirectory);
process.on('message', (m: { cmd?: string; latencyMs?: number }) => {
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (m.cmd === 'stop') void directory.close().then(() => process.exit(0));
  if (m.cmd === 'latency') directory.faults.setLatency(m.latencyMs ?? 0);
});
process.on('disconnect', () => void directory.close().then(() => process.exit(0)));
