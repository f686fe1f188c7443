// cloudcore's side of `kedgectl logs`: opens a logs stream on a connected
// node's session and hands the node's chunks to one reader. A chunk counts
// only when it comes from the node the stream was opened on; a reader that
// lets more than `bufferMax` characters pile up is cut off (the node is told
// to stop), so a slow reader cannot make cloudcore buffer without bound.
import { randomUUID } from 'node:crypto';
import {
  KedgeError,
  LOGS_STREAM_BUFFER_MAX,
  LogsChunkSchema,
  LogsEndSchema,
  LogsRoute,
  ERROR_CODES,
  newMessage,
  type ErrorCode,
  type LogsRequest,
  type Message,
} from '@kedge/api';

export interface LogsRelayOptions {
  /** Sends to a node connected here; false when it is not. */
  send(node: string, msg: Message): boolean;
  bufferMax?: number;
}

interface Stream {
  node: string;
  queue: string[];
  buffered: number;
  failure: KedgeError | undefined;
  ended: boolean;
  wake: () => void;
}

function cancelMessage(streamId: string): Message {
  return newMessage({
    source: 'cloudhub',
    group: LogsRoute.group,
    operation: LogsRoute.cancel,
    resource: `logs/${streamId}`,
    content: { streamId },
  });
}

export class LogsRelay {
  readonly #o: LogsRelayOptions;
  readonly #streams = new Map<string, Stream>();

  constructor(o: LogsRelayOptions) {
    this.#o = o;
  }

  /** The log text, chunk by chunk, until the node ends the stream or `signal` aborts. */
  async *open(
    node: string,
    request: Omit<LogsRequest, 'streamId'>,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    const streamId = randomUUID();
    const stream: Stream = {
      node,
      queue: [],
      buffered: 0,
      failure: undefined,
      ended: false,
      wake: () => undefined,
    };
    const msg = (operation: string, content: unknown): Message =>
      newMessage({
        source: 'cloudhub',
        group: LogsRoute.group,
        operation,
        resource: `logs/${streamId}`,
        content,
      });
    this.#streams.set(streamId, stream);
    // one listener for the whole stream (one per wait would pile up over a long follow)
    const onAbort = (): void => stream.wake();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (!this.#o.send(node, msg(LogsRoute.request, { ...request, streamId }))) {
        throw new KedgeError(
          'KEDGE_LOGS_NODE_UNREACHABLE',
          `node ${node} is not connected to this cloudcore`,
          { node },
        );
      }
      while (true) {
        const next = stream.queue.shift();
        if (next !== undefined) {
          stream.buffered -= next.length;
          yield next;
          continue;
        }
        if (stream.failure) throw stream.failure;
        if (stream.ended || signal.aborted) return;
        await new Promise<void>((resolve) => {
          stream.wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#streams.delete(streamId);
      if (!stream.ended) this.#o.send(node, cancelMessage(streamId));
    }
  }

  /** An edge message of group `logs`; false when it belongs to no stream of that node. */
  fromEdge(node: string, msg: Message): boolean {
    const parse = msg.route.operation === LogsRoute.chunk ? LogsChunkSchema : LogsEndSchema;
    const parsed = parse.safeParse(msg.content);
    if (!parsed.success) return false;
    const stream = this.#streams.get(parsed.data.streamId);
    if (!stream || stream.node !== node || stream.ended) return false;
    if ('data' in parsed.data) {
      stream.queue.push(parsed.data.data);
      stream.buffered += parsed.data.data.length;
      if (stream.buffered > (this.#o.bufferMax ?? LOGS_STREAM_BUFFER_MAX)) {
        stream.failure = new KedgeError(
          'KEDGE_LOGS_SLOW_READER',
          `logs reader fell more than ${this.#o.bufferMax ?? LOGS_STREAM_BUFFER_MAX} characters behind; stream closed`,
        );
        stream.queue = [];
        stream.buffered = 0;
        // the node stops now, not when the stalled reader next asks for more
        stream.ended = true;
        this.#o.send(node, cancelMessage(parsed.data.streamId));
      }
    } else {
      const error = 'error' in parsed.data ? parsed.data.error : undefined;
      if (error) {
        const code = Object.hasOwn(ERROR_CODES, error.code) ? (error.code as ErrorCode) : 'KEDGE_INTERNAL';
        stream.failure = new KedgeError(code, error.message, { node });
      }
      stream.ended = true;
    }
    stream.wake();
    return true;
  }

  /** The node's session closed: its streams end with an error. */
  nodeGone(node: string): void {
    for (const stream of this.#streams.values()) {
      if (stream.node !== node || stream.ended) continue;
      stream.failure = new KedgeError(
        'KEDGE_LOGS_NODE_UNREACHABLE',
        `node ${node} disconnected during the logs stream`,
        { node },
      );
      stream.ended = true;
      stream.wake();
    }
  }
}
