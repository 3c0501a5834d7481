/**
 * Starts and stops the samba root process of one instance. samba renames its processes ("samba: root process"),
 * so they cannot be found by command line later: the PID from spawn is the handle, and it leads its own process
 * group (detached) so stopping it takes every worker with it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SambaChild {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the root process exits (only for a child of this process). */
  readonly exited: Promise<number | null>;
  /** Whether the root process has exited (as far as this process can tell). */
  hasExited(): boolean;
}

/**
 * `tied`: stdin is a pipe from this process. samba -i exits on EOF on stdin, so the DC dies with its owner even
 * when the owner is killed with SIGKILL (no orphaned DCs after a crashed test run). Untied (`cli.ts start`) it
 * runs until stopped.
 */
export function spawnSamba(dir: string, tied: boolean): SambaChild {
  mkdirSync(join(dir, 'log'), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  const logFile = join(dir, 'log', 'samba.out');
  const log = openSync(logFile, 'a');
  const child = spawn('samba', ['-s', join(dir, 'etc', 'smb.conf'), '-i', '--debug-stdout'], {
    stdio: [tied ? 'pipe' : 'ignore', log, log],
    detached: true,
  });
  closeSync(log);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    });
    child.once('error', () => {
      done = true;
      resolve(null);
    });
  });
  if (child.pid === undefined) throw new Error('samba did not start (spawn failed)');
  // Never keep the owner's event loop alive: the DC is stopped explicitly or by the owner's exit.
  child.unref();
  if (child.stdin !== null) (child.stdin as unknown as { unref(): void }).unref();
  return { pid: child.pid, logFile, exited, hasExited: () => done };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to the instance's process group, then SIGKILL after the grace period. */
export async function stopSamba(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(pid)) signal('SIGKILL');
}

export function logTail(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
