// The hollow fleet as a child process (the `edgemark fleet` CLI), read
// through its JSON progress lines.
import { KedgeError } from '@kedge/api';
import { startProcess, type ManagedProcess } from '@kedge/testing';
import type { FleetStats } from '../fleet-stats.ts';
import type { InstantTaskKind } from '../instant-tasks.ts';

export interface FleetLine extends Partial<FleetStats> {
  ts: number;
  event: 'start' | 'progress' | 'all-registered' | 'stopped';
  afterMs?: number;
}

export interface FleetProcessOptions {
  server: string;
  secretFile: string;
  nodes: number;
  heartbeatS: number;
  protocol: 'kedge' | 'raw';
  ramp: number;
  /** Answer node tasks of this kind at once (the fleet CLI's --tasks). */
  tasks?: InstantTaskKind;
  /** Run the hollow edged (the fleet CLI's --pods). */
  pods?: boolean;
  /** Seconds between progress lines (default 0.5). */
  progressIntervalS?: number;
  /** Extra node options before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** wss:// with a client certificate per node, signed with this CA (certificates mode). */
  tls?: { caFile: string; caKeyFile: string };
}

export class FleetProcess {
  readonly proc: ManagedProcess;
  private parsedUpTo = 0;
  private readonly lines: FleetLine[] = [];

  constructor(o: FleetProcessOptions) {
    this.proc = startProcess({
      name: `fleet-${o.protocol}`,
      args: [
        ...(o.nodeArgs ?? []),
        'packages/edgemark/src/main.ts',
        'fleet',
        ...['--server', o.server, '--secret-file', o.secretFile, '--nodes', String(o.nodes)],
        ...['--heartbeat', String(o.heartbeatS), '--protocol', o.protocol, '--ramp', String(o.ramp)],
        ...['--progress-interval', String(o.progressIntervalS ?? 0.5)],
        ...(o.tasks !== undefined ? ['--tasks', o.tasks] : []),
        ...(o.pods ? ['--pods'] : []),
        ...(o.tls ? ['--ca-file', o.tls.caFile, '--ca-key-file', o.tls.caKeyFile] : []),
      ],
    });
  }

  /** Every line printed so far, parsed. */
  read(): FleetLine[] {
    const text = this.proc.stdout();
    const end = text.lastIndexOf('\n') + 1;
    if (end > this.parsedUpTo) {
      for (const raw of text.slice(this.parsedUpTo, end).split('\n')) {
        if (raw.startsWith('{')) this.lines.push(JSON.parse(raw) as FleetLine);
      }
      this.parsedUpTo = end;
    }
    return this.lines;
  }

  last(event: FleetLine['event']): FleetLine | undefined {
    return this.read().findLast((l) => l.event === event);
  }

  /** Polls every 10 ms until a line satisfies `match`; returns it. */
  async waitForLine(match: (l: FleetLine) => boolean, timeoutMs: number, what: string): Promise<FleetLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.read().find(match);
      if (line) return line;
      if (Date.now() > deadline) {
        throw new KedgeError('KEDGE_TEST_TIMEOUT', `hollow fleet: no ${what} within ${timeoutMs} ms`, {
          what,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    await this.proc.kill();
  }
}
