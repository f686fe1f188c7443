// The edge's answer to a `logs` request from the cloud: checks that the pod
// is in this node's cache and bound to this node (a node serves logs of its
// own pods only), picks the container and its newest log attempt, and streams
// that file (cri-log-stream.ts) until it ends or `signal` aborts.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KedgeError, LOGS_CHUNK_MAX, type LogsRequest, type Pod } from '@kedge/api';
import { podLogDirectory } from '../runtime/pod-identity.ts';
import { streamCriLog } from './cri-log-stream.ts';

export interface LogsRequestDeps {
  nodeName: string;
  podLogsRoot: string;
  /** The pod as this node's cache holds it. */
  findPod(namespace: string, name: string): Pod | undefined;
  pollMs?: number;
}

function pickContainer(pod: Pod, wanted: string | undefined): string {
  const names = pod.spec.containers.map((c) => c.name);
  if (wanted === undefined) {
    if (names.length === 1 && names[0]) return names[0];
    throw new KedgeError(
      'KEDGE_LOGS_BAD_REQUEST',
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(wanted)) {
    throw new KedgeError(
      'KEDGE_LOGS_BAD_REQUEST',
      `container ${wanted} is not valid for pod ${pod.metadata.name} (one of: ${names.join(', ')})`,
    );
  }
  return wanted;
}

/** `<dir>/<attempt>.log` with the highest attempt, or undefined before the first start. */
async function newestAttempt(dir: string): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const attempts = entries
    .map((f) => /^(\d+)\.log$/.exec(f)?.[1])
    .filter((n) => n !== undefined)
    .map(Number);
  return attempts.length ? join(dir, `${Math.max(...attempts)}.log`) : undefined;
}

export async function serveLogsRequest(
  request: LogsRequest,
  deps: LogsRequestDeps,
  onChunk: (data: string) => Promise<void> | void,
  signal: AbortSignal,
): Promise<void> {
  const pod = deps.findPod(request.namespace, request.pod);
  if (!pod || pod.spec.nodeName !== deps.nodeName || !pod.metadata.uid) {
    // one answer for "absent" and "someone else's": a node learns nothing about other nodes' pods
    throw new KedgeError(
      'KEDGE_LOGS_FORBIDDEN',
      `pod ${request.namespace}/${request.pod} is not bound to this node`,
    );
  }
  const container = pickContainer(pod, request.container);
  const identity = { namespace: request.namespace, name: request.pod, uid: pod.metadata.uid, attempt: 0 };
  const path = await newestAttempt(join(podLogDirectory(deps.podLogsRoot, identity), container));
  if (!path) {
    throw new KedgeError(
      'KEDGE_LOGS_NOT_FOUND',
      `container "${container}" in pod "${request.pod}" is waiting to start`,
    );
  }
  await streamCriLog({
    path,
    tailLines: request.tailLines,
    follow: request.follow,
    signal,
    chunkBytes: LOGS_CHUNK_MAX,
    pollMs: deps.pollMs,
    onChunk,
  });
}
