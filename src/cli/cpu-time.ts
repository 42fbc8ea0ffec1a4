/**
 * CPU time a group of processes (bench's nodes) has used, read from /proc/<pid>/stat: under a saturating load the
 * throughput of a 2-core machine shared by nine nodes swings by a third from run to run, while the CPU each
 * committed transaction costs holds still, so it is what an optimisation is judged by.
 */
import { readFile } from 'node:fs/promises';

/** Linux reports utime and stime in USER_HZ ticks, 100 per second on every architecture it ships for. */
const TICKS_PER_SECOND = 100;

/** User plus system CPU seconds of every thread of the process in a /proc/<pid>/stat line, or undefined. */
export function parseStatCpuSeconds(stat: string): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces or ')', so count fields after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) return undefined;
  return (utime + stime) / TICKS_PER_SECOND;
}

/** The CPU seconds `pid` has used, or undefined without /proc or once the process is gone. */
export async function readCpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : parseStatCpuSeconds(stat);
}

/** CPU seconds of all `pids` together, or undefined if any of them cannot be read. */
export async function totalCpuSeconds(pids: number[]): Promise<number | undefined> {
  const each = await Promise.all(pids.map(readCpuSeconds));
  return each.some((s) => s === undefined) ? undefined : (each as number[]).reduce((a, b) => a + b, 0);
}
