// Is the process that wrote a lock or pid file still the one running under
// that pid? kill(pid, 0) says whether the pid exists; on Linux the start time
// in /proc/<pid>/stat tells a reused pid from the original process.
import { readFileSync } from 'node:fs';
import { errnoCode } from './durable-fs.ts';

/** True when a process with this pid exists (owned by anyone). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return errnoCode(err) === 'EPERM';
  }
}

/** The process's start time in clock ticks since boot (Linux), or undefined where /proc is unavailable. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; the fields after the last ')' start at field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and, if `startTicks` was recorded, is the same process that recorded it. */
export function isSameProcessAlive(pid: number, startTicks: string | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  if (startTicks === undefined) return true;
  const now = processStartTicks(pid);
  return now === undefined || now === startTicks;
}
