// The `checkItems` pre-checks shared by the job kinds: each item measured and
// compared with its limit; a failure names the item, the value and the limit.
import { KedgeError, type CheckItem } from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import { cpuUsagePercent, diskUsagePercent, memoryUsagePercent } from './system-usage.ts';

/** Highest used percentage each item may show (KubeEdge: 80 for all three). */
export interface LoadLimits {
  cpu: number;
  mem: number;
  disk: number;
}

export const DEFAULT_LOAD_LIMITS: Readonly<LoadLimits> = Object.freeze({ cpu: 80, mem: 80, disk: 80 });

export interface LoadCheckOptions {
  limits: LoadLimits;
  /** The filesystem the disk item measures (the install root, else `/`). */
  diskPath: string;
  clock: Clock;
  /** How long the CPU is sampled (default 200 ms). */
  cpuSampleMs?: number;
  signal?: AbortSignal;
}

/** Runs every item; returns one problem line per item over its limit (empty when all pass). */
export async function checkLoad(items: readonly CheckItem[], o: LoadCheckOptions): Promise<string[]> {
  const problems: string[] = [];
  for (const item of new Set(items)) {
    const used = await measure(item, o);
    const limit = o.limits[item];
    if (used > limit)
      problems.push(`${describe(item, o)} is ${used.toFixed(1)}% used, over the ${limit}% limit`);
  }
  return problems;
}

async function measure(item: CheckItem, o: LoadCheckOptions): Promise<number> {
  switch (item) {
    case 'cpu':
      return cpuUsagePercent(o.clock, o.cpuSampleMs ?? 200, o.signal);
    case 'mem':
      return memoryUsagePercent();
    case 'disk':
      return diskUsagePercent(o.diskPath);
    default:
      throw new KedgeError(
        'KEDGE_TASK_INVALID',
        `check item ${String(item)} is not supported (cpu, mem, disk)`,
      );
  }
}

function describe(item: CheckItem, o: LoadCheckOptions): string {
  if (item === 'cpu') return 'cpu';
  if (item === 'mem') return 'memory';
  return `disk (filesystem of ${o.diskPath})`;
}
