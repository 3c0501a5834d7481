/**
 * The one test entry point behind `npm test`: finds every test file and runs it with node's test runner.
 * Shared fixtures that many test files need (the Samba AD test bed) are started here once per run.
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { startForTestRun } from './testbed/test-run.ts';

// Arguments starting with '-' go to node's test runner (use the `--opt=value` form); the others select test files
// whose path contains them: `npm run test:only -- packages/agent --test-name-pattern=bind`.
const args = process.argv.slice(2);
const nodeOptions = args.filter((a) => a.startsWith('-'));
const filters = args.filter((a) => !a.startsWith('-'));
const all = globSync(['packages/*/test/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts']).sort();
const files = filters.length === 0 ? all : all.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(filters.length === 0 ? 'no test files found' : `no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const testbed = await startForTestRun(files);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...nodeOptions, ...files], {
  stdio: 'inherit',
  env: { ...process.env, ...testbed.env },
});
// Ctrl-C reaches the test processes directly (same process group); we only wait for them, then stop the DC.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise<number>((resolve) => {
  child.once('exit', (status, signal) => resolve(status ?? (signal === null ? 1 : 128 + 2)));
});
await testbed.stop();
process.exit(code);
