// Runs one module for the bus: start() in its own async task, then applies
// the restart policy with exponential backoff until the bus stops, the
// module exits for good or it runs out of retries. Never rejects.
import { errorMessage, hasCode, KedgeError, type Message } from '@kedge/api';
import { Backoff, type Clock, type Logger } from '@kedge/runtime';
import type { Inbox } from './inbox.ts';
import {
  DEFAULT_RESTART_POLICY,
  type Module,
  type ModuleBus,
  type ModuleContext,
  type RestartPolicy,
} from './module.ts';

export interface SupervisedModule {
  readonly module: Module;
  readonly inbox: Inbox;
  readonly log: Logger;
  /** True while a start() call is in flight. */
  running: boolean;
}

export interface SupervisorDeps {
  readonly bus: ModuleBus;
  readonly clock: Clock;
  /** Aborted when the bus stops. */
  readonly busSignal: AbortSignal;
}

type Outcome = { ok: true } | { ok: false; err: unknown };

type ResolvedPolicy = Required<Omit<RestartPolicy, 'maxRetries'>> & Pick<RestartPolicy, 'maxRetries'>;

export async function superviseModule(entry: SupervisedModule, deps: SupervisorDeps): Promise<void> {
  const { log } = entry;
  try {
    const policy: ResolvedPolicy = { ...DEFAULT_RESTART_POLICY, ...entry.module.restartPolicy };
    // No jitter: restarts are local to this process, and exact delays (1 s, 2 s,
    // 4 s ... 30 s, as in KubeEdge) are easier to reason about in logs and tests.
    const backoff = new Backoff({ initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, jitter: 0 });
    for (let attempt = 1; !deps.busSignal.aborted; attempt++) {
      const startedAt = deps.clock.now();
      log.info({ attempt }, 'module starting');
      const outcome = await runOnce(entry, deps);
      if (deps.busSignal.aborted) {
        logStopped(log, outcome);
        return;
      }
      if (!wantsRestart(log, policy, outcome, attempt)) return;
      // A run that stayed up longer than the cap was healthy: start the delays over.
      if (deps.clock.now() - startedAt >= policy.maxDelayMs) backoff.reset();
      const delayMs = backoff.next();
      const reason = outcome.ok ? 'start() returned' : errorMessage(outcome.err);
      log.warn({ attempt: attempt + 1, delayMs, reason }, `restarting module in ${delayMs} ms`);
      try {
        await deps.clock.sleep(delayMs, deps.busSignal);
      } catch {
        return; // the bus stopped while we waited
      }
    }
  } catch (err: unknown) {
    log.error({ err }, 'module supervisor failed unexpectedly');
  }
}

async function runOnce(entry: SupervisedModule, deps: SupervisorDeps): Promise<Outcome> {
  const name = entry.module.name;
  const run = new AbortController();
  const signal = AbortSignal.any([deps.busSignal, run.signal]);
  const ctx: ModuleContext = {
    bus: deps.bus,
    signal,
    log: entry.log,
    receive: (): Promise<Message> => entry.inbox.take(signal),
    tryReceive: (): Message | undefined => (signal.aborted ? undefined : entry.inbox.tryTake()),
  };
  entry.running = true;
  try {
    await entry.module.start(ctx);
    return { ok: true };
  } catch (err: unknown) {
    return { ok: false, err };
  } finally {
    entry.running = false;
    // Closes this run's context: leftover receive() calls of the ended run
    // must not take messages meant for the next one.
    run.abort(new KedgeError('KEDGE_BUS_STOPPED', `module "${name}" has exited`, { module: name }));
  }
}

function wantsRestart(log: Logger, policy: ResolvedPolicy, outcome: Outcome, attempt: number): boolean {
  if (outcome.ok) {
    if (policy.kind !== 'Always') {
      log.info({ attempt }, 'module exited');
      return false;
    }
    log.warn({ attempt }, 'module returned while the bus is running');
  } else {
    log.error({ attempt, err: outcome.err }, 'module crashed');
    if (policy.kind === 'Never') {
      log.error({ attempt }, 'module not restarted (restart policy Never)');
      return false;
    }
  }
  const restarts = attempt - 1;
  if (policy.maxRetries !== undefined && restarts >= policy.maxRetries) {
    log.error({ attempt, maxRetries: policy.maxRetries }, 'module not restarted: out of retries');
    return false;
  }
  return true;
}

function logStopped(log: Logger, outcome: Outcome): void {
  if (outcome.ok || hasCode(outcome.err, 'KEDGE_BUS_STOPPED')) {
    log.info('module stopped');
    return;
  }
  log.warn({ err: outcome.err }, 'module failed while stopping');
}
