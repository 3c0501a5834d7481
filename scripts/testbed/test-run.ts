/**
 * The test runner's side of the test bed: start one DC for a whole `npm test` run, hand it to every test process
 * through OPENPTA_TESTBED, stop it at the end. When it cannot start, the reason goes to OPENPTA_TESTBED_ERROR so
 * each AD test fails at once with that reason (instead of every test file trying again).
 */
import { globSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ENV_DESCRIPTION, ENV_ERROR } from './constants.ts';
import { startInstance } from './instance.ts';

export interface TestRunTestbed {
  /** Environment for the test processes. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

const MARKERS = ['testbed/index.ts', 'adTestbed'];

/** The folder whose helpers a test file may import: its package's test/ folder, else its own folder. */
function testRoot(file: string): string {
  const at = file.indexOf('/test/');
  return at >= 0 ? file.slice(0, at + '/test'.length) : dirname(file);
}

/** Whether any selected test file, or a helper in its test folder, uses the test bed. */
export function usesTestbed(files: readonly string[]): boolean {
  const folders = new Set(files.map(testRoot));
  const candidates = new Set([...files, ...[...folders].flatMap((d) => globSync(`${d}/**/*.ts`))]);
  return [...candidates].some((f) => {
    const text = readFileSync(f, 'utf8');
    return MARKERS.some((m) => text.includes(m));
  });
}

export async function startForTestRun(files: readonly string[]): Promise<TestRunTestbed> {
  const none: TestRunTestbed = { env: {}, stop: async () => undefined };
  if (process.env[ENV_DESCRIPTION]) {
    console.error(
      `[ad-testbed] using the running test bed named by ${ENV_DESCRIPTION}=${process.env[ENV_DESCRIPTION]}`,
    );
    return none;
  }
  if (!usesTestbed(files)) return none;
  const t0 = Date.now();
  try {
    const instance = await startInstance({
      tied: true,
      progress: (message) => console.error(`[ad-testbed] ${message}`),
    });
    process.once('exit', () => instance.stopSync());
    return {
      env: { [ENV_DESCRIPTION]: instance.descriptionFile },
      async stop() {
        const s0 = Date.now();
        await instance.stop();
        console.error(
          `[ad-testbed] stopped after ${((s0 - t0) / 1000).toFixed(1)} s (stop took ${Date.now() - s0} ms)`,
        );
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\n[ad-testbed] NOT STARTED: ${message}\n[ad-testbed] every Active Directory test will fail.\n`);
    return { env: { [ENV_ERROR]: message }, stop: async () => undefined };
  }
}
