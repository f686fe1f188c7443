// What a fleet has done so far: gauges (sockets, connected, registered) that
// nodes move as they change state, and counters that only grow. One object
// per fleet, written by its nodes, read as a snapshot.

export interface FleetStats {
  nodes: number;
  /** WebSocket objects alive (dialling, open or closing). */
  sockets: number;
  /** Upgrades completed and not yet closed. */
  connected: number;
  /** Registered with the cloud (protocol kedge) or connected (protocol raw). */
  registered: number;
  /** Handshakes holding a ramp slot / waiting for one. */
  handshaking: number;
  queued: number;
  dials: number;
  reconnects: number;
  keepalivesSent: number;
  framesReceived: number;
  resourceAcks: number;
  /** Pods the hollow edged reported Running (instantPods). */
  podsStarted: number;
  tasksReceived: number;
  taskErrors: number;
  reportsSent: number;
  reportsAcked: number;
  reportsRejected: number;
  reportsPending: number;
  registerRejected: number;
  /** Closes seen, by WebSocket close code (1006 = dropped without a close frame). */
  closes: Record<string, number>;
  /** Milliseconds from start() until every node was registered at once for the first time. */
  allRegisteredAfterMs: number | undefined;
}

export type FleetCounter = Exclude<
  keyof FleetStats,
  'closes' | 'allRegisteredAfterMs' | 'nodes' | 'handshaking' | 'queued'
>;

export class FleetCounters {
  private readonly values: Record<FleetCounter, number> = {
    sockets: 0,
    connected: 0,
    registered: 0,
    dials: 0,
    reconnects: 0,
    keepalivesSent: 0,
    framesReceived: 0,
    resourceAcks: 0,
    podsStarted: 0,
    tasksReceived: 0,
    taskErrors: 0,
    reportsSent: 0,
    reportsAcked: 0,
    reportsRejected: 0,
    reportsPending: 0,
    registerRejected: 0,
  };
  private readonly closes = new Map<number, number>();
  private readonly nodes: number;
  private readonly now: () => number;
  private startedAt: number | undefined;
  private allRegisteredAt: number | undefined;

  constructor(nodes: number, now: () => number) {
    this.nodes = nodes;
    this.now = now;
  }

  started(): void {
    this.startedAt ??= this.now();
  }

  add(counter: FleetCounter, delta = 1): void {
    this.values[counter] += delta;
    if (counter === 'registered' && delta > 0 && this.values.registered === this.nodes) {
      this.allRegisteredAt ??= this.now();
    }
  }

  get(counter: FleetCounter): number {
    return this.values[counter];
  }

  closed(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }

  snapshot(ramp: { active: number; waiting: number }): FleetStats {
    const all = this.allRegisteredAt;
    return {
      nodes: this.nodes,
      ...this.values,
      handshaking: ramp.active,
      queued: ramp.waiting,
      closes: Object.fromEntries(
        [...this.closes].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
      ),
      allRegisteredAfterMs:
        all === undefined || this.startedAt === undefined ? undefined : all - this.startedAt,
    };
  }
}
