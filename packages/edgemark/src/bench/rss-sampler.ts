// The peak resident memory of a few processes between start() and stop():
// the kernel's own high-water mark (VmHWM), reset at start() through
// /proc/<pid>/clear_refs where the kernel allows it, and samples at a fixed
// interval as a floor (a sample can miss a short peak; VmHWM cannot).
import { writeFileSync } from 'node:fs';
import { readMemory } from './proc-stats.ts';

export class RssSampler {
  private readonly pids: Record<string, number>;
  private readonly peaks: Record<string, number> = {};
  /** Processes whose VmHWM was reset at start, so it is the peak since then. */
  private readonly reset = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(pids: Record<string, number>) {
    this.pids = pids;
  }

  start(intervalMs: number): void {
    for (const pid of Object.values(this.pids)) if (resetPeak(pid)) this.reset.add(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling (after one last sample); returns the peak RSS of each process in KiB. */
  stop(): Record<string, number> {
    clearInterval(this.timer);
    this.sample();
    return { ...this.peaks };
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      let memory: { rssKb: number; hwmKb: number };
      try {
        memory = readMemory(pid);
      } catch {
        continue; // exited (a zombie has no VmRSS): its peak so far stands; the run reports the exit itself
      }
      const { rssKb, hwmKb } = memory;
      const reset = this.reset.has(pid);
      this.peaks[name] = Math.max(this.peaks[name] ?? 0, reset ? Math.max(rssKb, hwmKb) : rssKb);
    }
  }
}

/** Resets VmHWM to the current RSS ("5" > clear_refs, Linux 4.0+); false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false; // not our process or an older kernel: the samples alone give the peak
  }
}
