/**
 * CPU time used so far by the Samba AD DC that this process started (the test bed spawns its root process from here,
 * in its own process group): the DC's own cost per operation, whatever else runs on the machine. Linux /proc only;
 * undefined when no such DC is found (e.g. a DC shared from another process).
 */
import { readdirSync, readFileSync } from 'node:fs';

export function sambaCpuUs(): number | undefined {
  const stats = new Map<string, string[]>();
  let root: string | undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(pid, fields);
      if (stat.includes('(samba)') && fields[1] === String(process.pid)) root = pid;
    } catch {
      // the process ended meanwhile
    }
  }
  if (root === undefined) return undefined;
  let ticks = 0;
  // Fields from "state" on (proc(5)): [2] process group, [11] utime, [12] stime, in clock ticks (100/s on Linux).
  for (const f of stats.values()) if (f[2] === root) ticks += Number(f[11]) + Number(f[12]);
  return ticks * 10_000;
}
