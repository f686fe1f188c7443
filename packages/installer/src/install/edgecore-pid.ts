// state/edgecore.pid: the running edgecore's pid (first line) and its /proc
// start time (second line, to tell a reused pid apart). edgecore's main writes
// it on start when it runs under an install root; keadm edge commands signal
// that pid to make edgecore restart (it exits; the launcher's supervisor -
// systemd or kedge's supervisor - starts it again).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { Clock } from '@kedge/runtime';
import { errnoCode, failed, writeFileDurable } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';
import { isProcessAlive, isSameProcessAlive, processStartTicks } from './process-liveness.ts';

interface PidRecord {
  pid: number;
  startTicks: string | undefined;
}

export function writePidFile(layout: InstallLayout, pid: number = process.pid): void {
  mkdirSync(layout.stateDir, { recursive: true });
  const ticks = processStartTicks(pid);
  writeFileDurable(layout.pidFile, `${pid}\n${ticks ?? ''}\n`);
}

function readPidFile(layout: InstallLayout): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(layout.pidFile, 'utf8');
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${layout.pidFile}`, layout.pidFile, err);
  }
  const [pidLine, ticksLine] = text.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTicks: ticksLine ? ticksLine.trim() || undefined : undefined };
}

/** Removes the pid file if it still names `pid` (a newer edgecore's file is left alone). */
export function removePidFile(layout: InstallLayout, pid: number = process.pid): void {
  if (readPidFile(layout)?.pid === pid) rmSync(layout.pidFile, { force: true });
}

/** The pid of the edgecore recorded in the pid file, if that process is still running. */
export function runningEdgecorePid(layout: InstallLayout): number | undefined {
  const rec = readPidFile(layout);
  return rec && isSameProcessAlive(rec.pid, rec.startTicks) ? rec.pid : undefined;
}

/**
 * Asks the running edgecore to restart: SIGTERM to the recorded pid (edgecore
 * stops cleanly and exits 0; Restart=always brings it back through the
 * launcher). Returns the pid signalled, or undefined when none runs.
 */
export function signalEdgecore(
  layout: InstallLayout,
  signal: NodeJS.Signals = 'SIGTERM',
): number | undefined {
  const pid = runningEdgecorePid(layout);
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, signal);
    return pid;
  } catch (err: unknown) {
    if (errnoCode(err) === 'ESRCH') return undefined;
    throw failed(`signal edgecore (pid ${pid})`, layout.pidFile, err);
  }
}

/** Resolves true once `pid` has exited, false if it still runs after timeoutMs. */
export async function waitForProcessExit(pid: number, timeoutMs: number, clock: Clock): Promise<boolean> {
  const until = clock.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (clock.now() >= until) return false;
    await clock.sleep(100);
  }
  return true;
}
