/**
 * `npm run bench`: runs every benchmark under bench/ (files named *.bench.ts) one after another and prints their
 * reports. Each benchmark measures its own baseline in the same run and reports ratios against it.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const only = process.argv[2];
const files = globSync('bench/**/*.bench.ts')
  .filter((f) => !only || f.includes(only))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
if (files.length === 0) console.log('no benchmarks found');
process.exit(failed === 0 ? 0 : 1);
