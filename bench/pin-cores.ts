/**
 * Gives the Samba DC started by this process a core of its own (CPU 1) and keeps this process and its other children
 * (the agent) on CPU 0, with taskset (util-linux). On this 2-core machine the cloud, the agent and the DC otherwise
 * share both cores, which no deployment does (the agent never runs on a DC): pinned, a benchmark measures the
 * DC-bound case for real instead of estimating it from CPU time. Linux only; returns what it did.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

function processTree() {
  const procs: { pid: string; ppid: string; pgid: string; samba: boolean }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid, ppid: fields[1]!, pgid: fields[2]!, samba: stat.includes('(samba)') });
    } catch {
      // the process ended meanwhile
    }
  }
  const me = String(process.pid);
  const root = procs.find((p) => p.samba && p.ppid === me);
  if (!root) throw new Error('no Samba DC started by this process');
  const dc = procs.filter((p) => p.pgid === root.pid);
  const ours = procs.filter((p) => p.pid === me || (p.ppid === me && p.pgid !== root.pid));
  return { dc, ours };
}

export function pinDcToOwnCore(): string {
  const { dc, ours } = processTree();
  const pin = (cpu: string, pid: string) => execFileSync('taskset', ['-a', '-p', '-c', cpu, pid], { stdio: 'ignore' });
  for (const p of dc) pin('1', p.pid);
  for (const p of ours) pin('0', p.pid);
  return `DC on CPU 1 (${dc.length} samba processes), this process and ${ours.length - 1} child process(es) on CPU 0`;
}

/**
 * The DC first: this process and its other children (the agent) at nice 10, the Samba DC at its normal priority, all
 * on both cores. Models a host where the DC's work takes precedence over the stack's (as with an agent on a DC host
 * run at a lower priority); the raw-bind baseline's client is this process too, so both sides run at the same nice.
 */
export function prioritiseDc(): string {
  const { dc, ours } = processTree();
  // Linux keeps a nice value per thread: every thread of each process (V8's and libuv's too).
  for (const p of ours) for (const tid of readdirSync(`/proc/${p.pid}/task`)) setPriority(Number(tid), 10);
  return `DC (${dc.length} samba processes) at normal priority; this process and ${ours.length - 1} child process(es) at nice 10`;
}
