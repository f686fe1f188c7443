// HollowFleet: N hollow nodes in one process, sharing one timer wheel, one
// ramp limiter and one set of counters. start() brings them up as fast as the
// ramp allows; stop() closes every tunnel within a bound.
import { FleetCounters, type FleetStats } from './fleet-stats.ts';
import { resolveFleetOptions, type HollowFleetOptions, type ResolvedFleetOptions } from './fleet-options.ts';
import { HollowNode, type FleetRuntime } from './hollow-node.ts';
import { keepalivePhase, startDelay } from './keepalive-schedule.ts';
import { RampLimiter } from './ramp-limiter.ts';
import { TimerWheel } from './timer-wheel.ts';

export type HollowFleetState = 'created' | 'running' | 'stopping' | 'stopped';

export class HollowFleet {
  readonly options: ResolvedFleetOptions;
  readonly nodes: readonly HollowNode[];
  private readonly rt: FleetRuntime;
  private current: HollowFleetState = 'created';

  constructor(options: HollowFleetOptions) {
    const o = resolveFleetOptions(options);
    this.options = o;
    const log = o.log.child({ module: 'edgemark' });
    const wheel = new TimerWheel({
      tickMs: o.tickMs,
      clock: o.clock,
      onError: (err: unknown) => log.error({ err }, 'hollow node timer callback failed'),
    });
    this.rt = {
      o,
      wheel,
      ramp: new RampLimiter(o.rampConcurrency),
      counters: new FleetCounters(o.nodes, () => o.clock.now()),
      log,
      origin: o.clock.now(),
    };
    const nodes: HollowNode[] = [];
    for (let i = 0; i < o.nodes; i++) {
      nodes.push(new HollowNode(this.rt, o.firstIndex + i, keepalivePhase(i, o.nodes, o.heartbeatMs)));
    }
    this.nodes = nodes;
  }

  get state(): HollowFleetState {
    return this.current;
  }

  /** Starts every node (spread over startSpreadMs) and the wheel that drives them. */
  start(): void {
    if (this.current !== 'created') return;
    this.current = 'running';
    this.rt.counters.started();
    this.rt.wheel.start();
    const { nodes: count, startSpreadMs } = this.options;
    this.nodes.forEach((node, i) => node.start(startDelay(i, count, startSpreadMs)));
  }

  stats(): FleetStats {
    return this.rt.counters.snapshot(this.rt.ramp);
  }

  /** Drives the timer wheel by hand (tests with a fake clock; the interval does it otherwise). */
  tick(now?: number): number {
    return this.rt.wheel.tick(now);
  }

  /**
   * Closes every tunnel with 1001 and waits up to `timeoutMs` for the close
   * handshakes; sockets still open then are dropped.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.current === 'stopped' || this.current === 'stopping') return;
    this.current = 'stopping';
    this.rt.ramp.close();
    for (const node of this.nodes) node.stop();
    const { clock } = this.options;
    const deadline = clock.now() + timeoutMs;
    while (this.rt.counters.get('sockets') > 0 && clock.now() < deadline) await clock.sleep(20);
    if (this.rt.counters.get('sockets') > 0) {
      for (const node of this.nodes) node.terminate();
      // terminate() closes synchronously at the socket level; 'close' follows on the next turns.
      const hardDeadline = clock.now() + 1_000;
      while (this.rt.counters.get('sockets') > 0 && clock.now() < hardDeadline) await clock.sleep(10);
    }
    this.rt.wheel.stop();
    this.current = 'stopped';
  }
}
