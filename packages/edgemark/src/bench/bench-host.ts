// What both benchmarks need from the machine they run on: enough open files
// for N sockets per process, and the facts printed next to the numbers.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { KedgeError, errorMessage } from '@kedge/api';
import { openFileLimits } from './proc-stats.ts';
import type { MachineFacts } from './report.ts';

/**
 * Each of the two child processes holds one descriptor per node. Children
 * inherit this process's limit, so raise its soft limit (up to the hard one)
 * with prlimit(1) when it is too low.
 */
export function raiseOpenFileLimit(maxNodes: number, log: (fields: Record<string, unknown>) => void): void {
  const needed = maxNodes + 1024;
  const { soft, hard } = openFileLimits();
  if (soft >= needed) return;
  if (hard < needed) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `open files: ${maxNodes} nodes need ${needed} descriptors per process but the hard limit is ${hard}; raise it (as root: ulimit -Hn ${needed}) and re-run`,
      { fields: ['--nodes'] },
    );
  }
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${needed}:${hard}`]);
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `open files: soft limit ${soft} is below ${needed} and prlimit failed (${errorMessage(err)}); run "ulimit -n ${needed}" first`,
      { fields: ['--nodes'] },
    );
  }
  log({ event: 'ulimit', soft: needed, hard, was: soft });
}

export function machineFacts(): MachineFacts {
  const { soft, hard } = openFileLimits();
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    nodeVersion: process.version,
    kernel: release(),
    openFiles: `${soft} soft / ${hard} hard`,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}
