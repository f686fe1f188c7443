// Samples the resident memory of a few processes from /proc at a fixed
// interval and keeps the largest value seen for each, from start() to stop().
import { readMemory } from './proc-stats.ts';

export class RssSampler {
  private readonly pids: Record<string, number>;
  private readonly peaks: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(pids: Record<string, number>) {
    this.pids = pids;
  }

  start(intervalMs: number): void {
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
      const { rssKb } = readMemory(pid);
      this.peaks[name] = Math.max(this.peaks[name] ?? 0, rssKb);
    }
  }
}
