/**
 * The one test entry point behind `npm test`: finds every test file and runs it with node's test runner.
 * Shared fixtures that many test files need (the Samba AD test bed) are started here once per run.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const files = globSync(['packages/*/test/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts']).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
