// Every child startProcess() spawned and that has not exited yet, so that
// none outlives the test process: a process 'exit' hook SIGKILLs them by pid.
// This is the one piece of module-level state in @kedge/testing, on purpose:
// the hook is per process, so the set of children it kills must be too.

const live = new Set<number>();
let hookInstalled = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err: unknown) {
      // ESRCH: it exited between its last event and now; nothing left to do.
      // Anything else is reported but must not stop the loop from killing the rest.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
        process.stderr.write(`@kedge/testing: could not kill child ${pid}: ${String(err)}\n`);
      }
    }
  }
  live.clear();
}

export function trackChild(pid: number): void {
  if (!hookInstalled) {
    process.on('exit', killAll);
    hookInstalled = true;
  }
  live.add(pid);
}

export function untrackChild(pid: number): void {
  live.delete(pid);
}
