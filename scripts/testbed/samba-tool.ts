/** Runs samba-tool against an instance directory (directly on its sam.ldb), optionally under faketime. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestbedError } from './errors.ts';

const run = promisify(execFile);

export interface SambaToolOptions {
  /** faketime offset such as '-3d': the tool (and so the timestamps it writes, like pwdLastSet) lives in that past. */
  readonly fakeTime?: string;
}

export async function sambaTool(dir: string, args: readonly string[], options: SambaToolOptions = {}): Promise<string> {
  const full = ['samba-tool', ...args, '-s', join(dir, 'etc', 'smb.conf')];
  const [cmd, ...rest] = options.fakeTime === undefined ? full : ['faketime', '-f', options.fakeTime, ...full];
  try {
    const { stdout } = await run(cmd!, rest, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; code?: unknown };
    // Never echo the arguments or chain the original error: its message holds the command line, and so a password.
    const detail = (e.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || `exit code ${String(e.code)}`;
    throw new TestbedError('TESTBED_COMMAND_FAILED', `samba-tool ${args.slice(0, 3).join(' ')} failed: ${detail}`);
  }
}
