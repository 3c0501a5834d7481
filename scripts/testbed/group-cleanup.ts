/**
 * Stopping an instance's samba process group and removing its directory, safely at any time including inside a
 * process 'exit' handler. samba's workers keep writing (tdb files, logs, sockets) for a moment after SIGTERM: removing
 * the directory before they are gone raced them (`rmSync ENOTEMPTY`), and a throw from an exit handler turned a
 * passing `node --test` or `npm run bench` into exit code 1. So: wait for the whole group to be gone, remove with
 * retries, and report a failure on stderr instead of throwing.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';

/**
 * PIDs of the live (not zombie) processes whose process group is `pgid`, read from /proc (the test bed is Linux-only:
 * samba). Zombies count as gone: they hold no files, and inside an exit handler nothing reaps them any more.
 */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(entry));
  }
  return members;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread (allowed on Node's main thread); the only way to wait inside an exit handler. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the group, wait up to `graceMs` for every member to exit, then SIGKILL and wait again (synchronous). */
export function stopGroupSync(pgid: number, graceMs = 5_000): boolean {
  signalGroup(pgid, 'SIGTERM');
  if (waitGroupGoneSync(pgid, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitGroupGoneSync(pgid, 2_000);
}

function waitGroupGoneSync(pgid: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  for (;;) {
    if (liveGroupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    sleepSync(25);
  }
}

/** Asynchronous wait for the group to be gone (for stop(), where the event loop still runs). */
export async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (liveGroupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Removes an instance directory, retrying while late writers finish (rmSync's maxRetries covers ENOTEMPTY and
 * EBUSY). Never throws: a directory left behind is replaced by the next run; the message says where it is.
 */
export function removeDirQuietly(dir: string, warn: (message: string) => void = defaultWarn): boolean {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warn(`[ad-testbed] could not remove ${dir} (${reason}); the next run replaces it, or delete it by hand`);
    return false;
  }
}

function defaultWarn(message: string): void {
  try {
    process.stderr.write(`${message}\n`);
  } catch {
    // stderr closed: nothing more to do at exit
  }
}
