/**
 * Manual control of test bed instances, for developing against a DC that outlives one test run:
 *
 *   node scripts/testbed/cli.ts start [--ip=127.0.0.5]   # prints `export OPENPTA_TESTBED=...`
 *   node scripts/testbed/cli.ts status
 *   node scripts/testbed/cli.ts stop [127.0.0.5 | --all]  # default: every instance `start` began here
 *
 * Plain `stop` leaves DCs of running test processes alone (they stop with their process); --all stops them too.
 *
 * With OPENPTA_TESTBED exported, `npm test` and `node --test file` use that DC instead of starting their own.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ENV_DESCRIPTION, TESTBED_ROOT } from './constants.ts';
import { descriptionFile, readDescription, type TestbedInfo } from './description.ts';
import { TestbedError } from './errors.ts';
import { startInstance } from './instance.ts';
import { releaseAddress } from './loopback.ts';
import { isRunning, stopSamba } from './samba-process.ts';

function instances(): TestbedInfo[] {
  if (!existsSync(TESTBED_ROOT)) return [];
  return readdirSync(TESTBED_ROOT)
    .filter((name) => name.startsWith('dc-') && existsSync(descriptionFile(join(TESTBED_ROOT, name))))
    .flatMap((name) => {
      try {
        return [readDescription(descriptionFile(join(TESTBED_ROOT, name)))];
      } catch (error) {
        console.error(`skipping ${name}: ${(error as Error).message}`);
        return [];
      }
    });
}

/** samba renames its processes; the root process's command line still starts with "samba". */
function isOurSamba(pid: number): boolean {
  if (!isRunning(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('samba');
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ip: { type: 'string' }, all: { type: 'boolean', default: false } },
  });
  const [command, target] = positionals;
  switch (command) {
    case 'start': {
      const instance = await startInstance({ tied: false, ip: values.ip, progress: (m) => console.error(m) });
      console.log(`export ${ENV_DESCRIPTION}=${instance.descriptionFile}`);
      return 0;
    }
    case 'status': {
      const list = instances();
      if (list.length === 0) console.log('no test bed instances');
      for (const i of list) {
        const state = isOurSamba(i.pid) ? 'running' : 'stopped';
        const owner = i.tied ? 'test process' : 'cli';
        console.log(`${i.ip}\t${state}\tpid ${i.pid}\t${owner}\t${i.ldapsUrl}\t${i.dir}`);
      }
      return 0;
    }
    case 'stop': {
      const chosen = (x: TestbedInfo): boolean => (target === undefined ? values.all || !x.tied : x.ip === target);
      for (const i of instances().filter(chosen)) {
        if (isOurSamba(i.pid)) {
          await stopSamba(i.pid);
          console.log(`stopped ${i.ip} (pid ${i.pid})`);
        }
        releaseAddress(i.ip);
        if (process.env.OPENPTA_TESTBED_KEEP !== '1') rmSync(i.dir, { recursive: true, force: true });
      }
      return 0;
    }
    default:
      console.error('usage: node scripts/testbed/cli.ts start [--ip=127.0.0.N] | status | stop [127.0.0.N | --all]');
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof TestbedError ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
}
