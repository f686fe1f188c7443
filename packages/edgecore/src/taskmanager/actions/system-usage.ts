// The node's load for the pre-checks (`checkItems`: cpu, mem, disk), each as a
// used percentage: CPU sampled over a short interval, memory from
// /proc/meminfo (MemAvailable), disk as df computes it for one filesystem.
import { statfs } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { KedgeError, errorMessage } from '@kedge/api';
import type { Clock } from '@kedge/runtime';

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Share of CPU time spent busy (all cores) over `sampleMs`, in percent. */
export async function cpuUsagePercent(clock: Clock, sampleMs: number, signal?: AbortSignal): Promise<number> {
  const before = cpuTimes();
  await clock.sleep(sampleMs, signal);
  const after = cpuTimes();
  const total = after.total - before.total;
  return total <= 0 ? 0 : (100 * (after.busy - before.busy)) / total;
}

/** (MemTotal - MemAvailable) / MemTotal from /proc/meminfo, in percent. */
export async function memoryUsagePercent(meminfo = '/proc/meminfo'): Promise<number> {
  let text: string;
  try {
    text = await readFile(meminfo, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_TASK_ACTION_FAILED', `cannot read ${meminfo}: ${errorMessage(err)}`, {
      file: meminfo,
    });
  }
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = field('MemTotal');
  const available = field('MemAvailable') ?? sum(field('MemFree'), field('Buffers'), field('Cached'));
  if (!total || available === undefined) {
    throw new KedgeError('KEDGE_TASK_ACTION_FAILED', `${meminfo} has no MemTotal / MemAvailable`, {
      file: meminfo,
    });
  }
  return (100 * (total - available)) / total;
}

/** Used share of the filesystem holding `path` as df shows it: used / (used + available to users). */
export async function diskUsagePercent(path: string): Promise<number> {
  let s;
  try {
    s = await statfs(path);
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_TASK_ACTION_FAILED',
      `cannot stat the filesystem of ${path}: ${errorMessage(err)}`,
      {
        file: path,
      },
    );
  }
  const used = s.blocks - s.bfree;
  const denominator = used + s.bavail;
  return denominator <= 0 ? 0 : (100 * used) / denominator;
}

function sum(...values: (number | undefined)[]): number | undefined {
  if (values.some((v) => v === undefined)) return undefined;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}
