// The `kedgectl logs` tunnel messages: the cloud asks a node for one
// container's log (route group `logs`), the node answers with chunks and an
// end. Chunks are best effort (never in the outbox); both ends bound their
// size and what they buffer per stream.
import { z } from 'zod';
import { KedgeError } from './errors.ts';
import type { Pod } from './resources/pod.ts';

export const LogsRoute = {
  group: 'logs',
  /** cloud -> edge: start streaming (content: LogsRequest). */
  request: 'logs',
  /** edge -> cloud: a piece of log text (content: LogsChunk). */
  chunk: 'logsChunk',
  /** edge -> cloud: the stream is over, with an error if it failed (content: LogsEnd). */
  end: 'logsEnd',
  /** cloud -> edge: the reader went away; stop (content: { streamId }). */
  cancel: 'logsCancel',
} as const;

/** Largest `data` of one chunk, in characters. */
export const LOGS_CHUNK_MAX = 16 * 1024;
/** What a relay holds for one slow reader before it closes that stream. */
export const LOGS_STREAM_BUFFER_MAX = 256 * 1024;

export const LogsRequestSchema = z.strictObject({
  streamId: z.string().min(1).max(64),
  namespace: z.string().min(1).max(253),
  pod: z.string().min(1).max(253),
  /** Optional when the pod has one container. */
  container: z.string().min(1).max(63).optional(),
  tailLines: z.number().int().min(0).optional(),
  follow: z.boolean().default(false),
});

export const LogsChunkSchema = z.strictObject({
  streamId: z.string().min(1).max(64),
  data: z.string().max(LOGS_CHUNK_MAX),
});

export const LogsEndSchema = z.strictObject({
  streamId: z.string().min(1).max(64),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});

export type LogsRequest = z.infer<typeof LogsRequestSchema>;
export type LogsChunk = z.infer<typeof LogsChunkSchema>;
export type LogsEnd = z.infer<typeof LogsEndSchema>;

/**
 * Where each cloudcore replica serves `kedgectl logs`: a Secret whose data
 * key is the replica id and whose value is a LogsEndpoint as JSON. Whoever
 * can read it can read every pod's logs, as whoever can write Pods can run
 * anything on the nodes: store access is administrator access.
 */
export const LOGS_ENDPOINTS_SECRET = { namespace: 'kubeedge', name: 'kedge-cloudcore-logs' } as const;

export const LogsEndpointSchema = z.strictObject({
  /** http://127.0.0.1:<port> */
  url: z.url(),
  /** Bearer token the replica expects. */
  token: z.string().min(32),
});
export type LogsEndpoint = z.infer<typeof LogsEndpointSchema>;

/** Path of one pod's logs on a replica's endpoint (query: container, follow, tailLines). */
export function logsPath(namespace: string, pod: string): string {
  return `/logs/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
}

/**
 * The node and container a logs request for `ref` goes to, checked against
 * the pod as the store holds it: the pod exists, is bound, and has the
 * container (or only one when none is named).
 */
export function logsTarget(
  pod: Pod | undefined,
  ref: { namespace: string; pod: string },
  container: string | undefined,
): { node: string; container: string } {
  const name = `${ref.namespace}/${ref.pod}`;
  if (!pod) {
    throw new KedgeError('KEDGE_LOGS_POD_NOT_FOUND', `pod ${name} not found`, {
      resource: `pods/${name}`,
    });
  }
  const node = pod.spec.nodeName;
  if (!node) {
    throw new KedgeError(
      'KEDGE_LOGS_POD_NOT_BOUND',
      `pod ${name} is not bound to a node yet (no spec.nodeName): it has no logs`,
      { resource: `pods/${name}` },
    );
  }
  const names = pod.spec.containers.map((c) => c.name);
  const chosen = container ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined || !names.includes(chosen)) {
    const why =
      container === undefined
        ? `a container name must be specified for pod ${name}`
        : `container ${container} is not valid for pod ${name}`;
    throw new KedgeError('KEDGE_LOGS_CONTAINER_NOT_FOUND', `${why}, choose one of: [${names.join(' ')}]`, {
      resource: `pods/${name}`,
      node,
    });
  }
  return { node, container: chosen };
}
