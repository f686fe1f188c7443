// What the benchmark reads about a process from /proc (Linux): resident
// memory and CPU time consumed so far.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KedgeError, errorMessage } from '@kedge/api';

export interface ProcMemory {
  /** Resident set size now, KiB. */
  rssKb: number;
  /** Peak resident set size, KiB. */
  hwmKb: number;
}

export function readMemory(pid: number): ProcMemory {
  const status = readProc(pid, 'status');
  return { rssKb: statusField(status, 'VmRSS', pid), hwmKb: statusField(status, 'VmHWM', pid) };
}

/** User + system CPU time the process has used, in ms. */
export function readCpuMs(pid: number, ticksPerSecond: number): number {
  const stat = readProc(pid, 'stat');
  // The command name (field 2) may hold spaces; count fields after its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new KedgeError('KEDGE_INTERNAL', `/proc/${pid}/stat: cannot read utime/stime`, { pid });
  }
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux if unknown). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100; // getconf missing: Linux's USER_HZ is 100 on every mainstream architecture
  }
}

/** The soft and hard limits on open files of process `pid` (default: this one). */
export function openFileLimits(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const line = readProc(pid, 'limits')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '')
    .split(/\s{2,}/)
    .slice(1, 3)
    .map(limitValue);
  if (soft === undefined || hard === undefined) {
    throw new KedgeError('KEDGE_INTERNAL', `/proc/${pid}/limits: no "Max open files" line`, { pid });
  }
  return { soft, hard };
}

function limitValue(text: string): number {
  return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text);
}

function readProc(pid: number | 'self', file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_INTERNAL', `cannot read /proc/${pid}/${file}: ${errorMessage(err)}`, { pid });
  }
}

function statusField(status: string, field: string, pid: number): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new KedgeError('KEDGE_INTERNAL', `/proc/${pid}/status: no ${field} line`, { pid });
  return Number(m[1]);
}
