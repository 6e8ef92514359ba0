/**
 * CPU time per process of the local cloud, to show where an order's CPU goes and what the machine
 * allows at most: this process from `process.cpuUsage()`, the child processes (DynamoDB Local's
 * JVM, fauxqs, the customers) from /proc/<pid>/stat (Linux; elsewhere they read as 0).
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc times are in 1/100 s on every common kernel build. */
const TICKS_PER_SECOND = 100;

export type CpuSeconds = Record<string, number>;

function childCpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by this process (`main`) and each named child. */
export function cpuSnapshot(children: Record<string, number>): CpuSeconds {
  const own = process.cpuUsage();
  const snapshot: CpuSeconds = { main: (own.user + own.system) / 1e6 };
  for (const [name, pid] of Object.entries(children)) snapshot[name] = childCpuSeconds(pid);
  return snapshot;
}

/** CPU seconds per process between two snapshots. */
export function cpuBetween(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name] - (before[name] ?? 0)]));
}
