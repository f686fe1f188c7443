// The long-running children of the cluster-mode test harness (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler): spawned with
// their output kept for failure messages, tracked so a dying test run kills
// them, stopped with SIGTERM then SIGKILL (spawnDaemon, named); and a poll
// that fails fast with the child's last output when it exits or a deadline
// passes, with the https status probe the polls use.
import { request, type RequestOptions } from 'node:https';
import { KedgeError } from '@kedge/api';
import type { OutputLog } from './output-log.ts';
import { spawnDaemon } from './spawn-daemon.ts';

export interface Child {
  name: string;
  log: OutputLog;
  exited(): boolean;
  stop(): Promise<void>;
}

export function spawnChild(name: string, binary: string, args: string[]): Child {
  const daemon = spawnDaemon(binary, args, 5_000);
  return { name, log: daemon.log, exited: daemon.exited, stop: daemon.stop };
}

/** GET `url` over https: the status code, or 0 when nothing answers (5 s timeout). */
export function httpsStatus(url: string, options: RequestOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ...options, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function waitUntil(
  child: Child,
  what: string,
  timeoutMs: number,
  ok: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) {
      throw new KedgeError(
        'KEDGE_TEST_PROCESS_EXITED',
        `${child.name} exited before ${what}; last output:\n${child.log.tail(30)}`,
        { process: child.name },
      );
    }
    if (await ok()) return;
    if (Date.now() > deadline) {
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `${child.name}: ${what} not within ${timeoutMs} ms; last output:\n${child.log.tail(30)}`,
        { process: child.name },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
