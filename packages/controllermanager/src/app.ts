// Assembles a running controllermanager from its resolved config: store,
// the controllers (run-controllers.ts), leader election when enabled, and
// the health endpoint. main.ts owns argv and signals; this owns wiring.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { openStore, type ResourceStore } from '@kedge/store';
import type { ControllerManagerConfig } from './config/index.ts';
import { startHealthServer, type HealthServer } from './health-server.ts';
import { LeaderElector } from './leaderelection/leader-elector.ts';
import { runControllers } from './run-controllers.ts';

export interface RunningControllerManager {
  /** Port of /healthz and /readyz. */
  healthPort: number;
  /** The leader election identity, when leader election is on. */
  identity?: string;
  /** Whether this process runs the controllers now (always true without leader election). */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export interface ControllerManagerDeps {
  /** Time for controllers (deadlines, periods); default the system clock. */
  clock?: Clock;
  /** An open store to use instead of opening config.store (then not closed by stop()). */
  store?: ResourceStore;
  /** Leader election identity; default `<hostname>_<random uuid>`. */
  identity?: string;
}

export async function startControllerManager(
  config: ControllerManagerConfig,
  log: Logger,
  deps: ControllerManagerDeps = {},
): Promise<RunningControllerManager> {
  const clock = deps.clock ?? systemClock;
  const store = deps.store ?? (await openStore(config.store, log));
  const abort = new AbortController();
  const { signal } = abort;

  let synced = false;
  const term = (termSignal: AbortSignal): Promise<void> => {
    synced = false;
    return runControllers({
      config,
      store,
      clock,
      log,
      signal: termSignal,
      onSynced: () => (synced = !termSignal.aborted),
      shuttingDown: () => signal.aborted,
    }).finally(() => (synced = false));
  };

  const le = config.leaderElection;
  let elector: LeaderElector | undefined;
  let running: Promise<void>;
  if (le.enable) {
    elector = new LeaderElector({
      store,
      namespace: le.resourceNamespace,
      name: le.resourceName,
      identity: deps.identity ?? `${hostname()}_${randomUUID()}`,
      leaseDurationMs: le.leaseDuration * 1000,
      renewDeadlineMs: le.renewDeadline * 1000,
      retryPeriodMs: le.retryPeriod * 1000,
      clock,
      log,
    });
    running = elector.run(signal, term);
  } else {
    log.info('leader election off: running as a single instance');
    running = term(signal);
  }
  running = running.catch((err: unknown) => log.error({ err }, `controllers stopped: ${errorMessage(err)}`));

  const leading = (): boolean => elector === undefined || elector.isLeader;
  let health: HealthServer;
  try {
    // Ready: the leader once its Node cache is synced; a standby is ready to take over.
    health = await startHealthServer(
      config.health.address,
      config.health.port,
      () => !signal.aborted && (!leading() || synced),
    );
  } catch (err: unknown) {
    abort.abort();
    await running;
    if (deps.store === undefined) await store.close();
    throw err;
  }
  log.info(
    { healthPort: health.port, ...(elector ? { identity: elector.identity } : {}) },
    'controllermanager started',
  );

  return {
    healthPort: health.port,
    ...(elector ? { identity: elector.identity } : {}),
    isLeader: leading,
    stop: async () => {
      abort.abort();
      await running;
      await health.close();
      if (deps.store === undefined) await store.close();
    },
  };
}
