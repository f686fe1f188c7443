// The launcher: what systemd (Restart=always) or kedge's supervisor runs.
// It settles the install markers under the install lock (resolveBootState),
// runs `node <versions/<v>>/edgecore.mjs --config F` with KEDGE_INSTALL_ROOT
// set, forwards SIGTERM/SIGINT, stops a version on trial that outlives its
// deadline (so the next start rolls it back) and exits with edgecore's code.
// Imports only node: builtins, @kedge/api, @kedge/runtime and the install
// files below: it must run before any version is trusted.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { errorMessage } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { isTrialPending, resolveBootState, type BootState, type BootTrial } from '../install/boot-state.ts';
import { waitForInstallLock } from '../install/install-lock.ts';
import { installLayout, INSTALL_ROOT_ENV, type InstallLayout } from '../install/install-layout.ts';

export interface LauncherOptions {
  /** The install root. */
  root: string;
  /** edgecore.yaml, passed to edgecore as --config. */
  configFile: string;
  /** The node binary that runs edgecore; default this process's. */
  nodeBinary?: string;
  /** Arguments for node before the entry script. */
  nodeArgs?: string[];
  /** Base environment for edgecore (default process.env); KEDGE_INSTALL_ROOT is added. */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  clock?: Clock;
  /** Aborted (reason: the signal name) when the launcher is told to stop; forwarded to edgecore. */
  signal: AbortSignal;
  /** After SIGTERM, how long edgecore gets before SIGKILL (default 15 s). */
  killGraceMs?: number;
  /** How long to wait for another install operation's lock before giving up (default 120 s). */
  lockTimeoutMs?: number;
}

/** Runs edgecore once; resolves with the exit code the launcher should exit with. */
export async function runLauncher(options: LauncherOptions): Promise<number> {
  const clock = options.clock ?? systemClock;
  const log = options.log;
  const layout = installLayout(options.root);
  let boot: BootState;
  try {
    boot = await settleMarkers(layout, options, clock);
  } catch (err: unknown) {
    if (options.signal.aborted) {
      log.info('stopped before edgecore started');
      return 0;
    }
    log.error({ err: errorMessage(err), root: layout.root }, 'cannot start edgecore');
    return 1;
  }
  for (const n of boot.notes) log[n.level]({ marker: n.marker, ...n.fields }, n.msg);
  if (options.signal.aborted) return 0;

  const args = [...(options.nodeArgs ?? []), boot.entry, '--config', options.configFile];
  const nodeBinary = options.nodeBinary ?? process.execPath;
  log.info(
    { version: boot.version, entry: boot.entry, node: nodeBinary, trials: boot.trials.length },
    'starting edgecore',
  );
  const child = spawn(nodeBinary, args, {
    stdio: 'inherit',
    env: { ...(options.env ?? process.env), [INSTALL_ROOT_ENV]: layout.root },
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      log.error({ err: err.message, node: nodeBinary }, 'could not start edgecore');
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      log.info({ version: boot.version, code, signal }, 'edgecore exited');
    });
  });

  const done = new AbortController();
  const terminate = (why: string, signal: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    log.info({ why, signal, edgecorePid: child.pid }, 'stopping edgecore');
    child.kill(signal);
    clock.sleep(options.killGraceMs ?? 15_000, done.signal).then(
      () => {
        log.warn({ edgecorePid: child.pid }, 'edgecore did not stop in time; killing it');
        child.kill('SIGKILL');
      },
      () => undefined,
    );
  };
  const onStop = (): void => {
    const reason: unknown = options.signal.reason;
    terminate('launcher told to stop', reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  };
  options.signal.addEventListener('abort', onStop, { once: true });
  for (const trial of boot.trials) watchTrial(layout, trial, clock, done.signal, log, terminate);

  const code = await exited;
  done.abort();
  options.signal.removeEventListener('abort', onStop);
  log.info({ code }, 'launcher exiting');
  return code;
}

async function settleMarkers(
  layout: InstallLayout,
  options: LauncherOptions,
  clock: Clock,
): Promise<BootState> {
  const lock = await waitForInstallLock(layout, {
    command: 'launcher',
    timeoutMs: options.lockTimeoutMs ?? 120_000,
    clock,
    signal: options.signal,
    onWaiting: (holder) =>
      options.log.info(
        { holderPid: holder.pid, command: holder.command, since: holder.since },
        'waiting for another install operation to finish',
      ),
  });
  try {
    return resolveBootState(layout, { now: clock.now() });
  } finally {
    lock.release();
  }
}

/** At the trial's deadline, stops edgecore if the marker is still `switching`: the next start rolls back. */
function watchTrial(
  layout: InstallLayout,
  trial: BootTrial,
  clock: Clock,
  signal: AbortSignal,
  log: Logger,
  terminate: (why: string, signal: NodeJS.Signals) => void,
): void {
  const wait = Math.min(Math.max(0, trial.deadlineMs - clock.now()) + 100, 2 ** 31 - 1);
  clock.sleep(wait, signal).then(
    () => {
      let pending: boolean;
      try {
        pending = isTrialPending(layout, trial);
      } catch (err: unknown) {
        log.error({ marker: trial.kind, err: errorMessage(err) }, 'cannot read the marker at the deadline');
        pending = true;
      }
      if (!pending) {
        log.info({ marker: trial.kind }, 'trial committed before its deadline');
        return;
      }
      log.warn(
        { marker: trial.kind, deadline: new Date(trial.deadlineMs).toISOString(), jobUid: trial.jobUid },
        'trial not committed by its deadline; stopping edgecore so the next start rolls back',
      );
      terminate('trial deadline passed', 'SIGTERM');
    },
    () => undefined,
  );
}
