// edged's side of `kedgectl logs`: starts a stream for each `logs` request
// from the cloud, sends its chunks and its end to edgeHub (best effort, not
// through the outbox), stops a stream on `logsCancel`, and stops them all
// when the cloud session drops. At most `maxStreams` run at once.
import {
  EdgeModules,
  KedgeError,
  LogsRequestSchema,
  LogsRoute,
  errorCodeOf,
  errorMessage,
  newMessage,
  type LogsChunk,
  type LogsEnd,
  type Message,
} from '@kedge/api';
import type { ModuleContext } from '@kedge/beehive';
import type { Logger } from '@kedge/runtime';
import { serveLogsRequest, type LogsRequestDeps } from './logs-request.ts';

export interface LogsServerOptions {
  deps: LogsRequestDeps;
  bus: Pick<ModuleContext['bus'], 'send'>;
  log: Logger;
  /** Streams served at once (default 8). */
  maxStreams?: number;
}

export class LogsServer {
  readonly #o: LogsServerOptions;
  readonly #streams = new Map<string, AbortController>();

  constructor(o: LogsServerOptions) {
    this.#o = o;
  }

  get active(): number {
    return this.#streams.size;
  }

  /** Handles a `logs` group message; true when it was one. */
  handle(msg: Message): boolean {
    if (msg.route.group !== LogsRoute.group) return false;
    const streamId = (msg.content as { streamId?: unknown } | null)?.streamId;
    if (msg.route.operation === LogsRoute.cancel) {
      if (typeof streamId === 'string') this.#streams.get(streamId)?.abort();
      return true;
    }
    if (msg.route.operation !== LogsRoute.request) return true;
    const parsed = LogsRequestSchema.safeParse(msg.content);
    if (!parsed.success) {
      if (typeof streamId === 'string' && streamId.length <= 64) {
        void this.#end(
          streamId,
          new KedgeError('KEDGE_LOGS_BAD_REQUEST', `bad logs request: ${parsed.error.message}`),
        );
      }
      this.#o.log.warn({ err: parsed.error.message }, 'bad logs request dropped');
      return true;
    }
    const request = parsed.data;
    if (this.#streams.has(request.streamId) || this.#streams.size >= (this.#o.maxStreams ?? 8)) {
      void this.#end(
        request.streamId,
        new KedgeError('KEDGE_LOGS_BAD_REQUEST', 'too many log streams, or a duplicate stream id'),
      );
      return true;
    }
    const stop = new AbortController();
    this.#streams.set(request.streamId, stop);
    const send = (operation: string, content: LogsChunk | LogsEnd): Promise<void> =>
      this.#o.bus.send(
        EdgeModules.edgeHub,
        newMessage({
          source: EdgeModules.edged,
          group: LogsRoute.group,
          operation,
          resource: `logs/${request.streamId}`,
          content,
        }),
        stop.signal,
      );
    void serveLogsRequest(
      request,
      this.#o.deps,
      (data) => send(LogsRoute.chunk, { streamId: request.streamId, data }),
      stop.signal,
    )
      .then(
        () => this.#end(request.streamId),
        (err: unknown) => this.#end(request.streamId, stop.signal.aborted ? undefined : err),
      )
      .finally(() => this.#streams.delete(request.streamId));
    return true;
  }

  /** The cloud session dropped (or edged stops): no reader is left. */
  stopAll(): void {
    for (const stop of this.#streams.values()) stop.abort();
  }

  async #end(streamId: string, err?: unknown): Promise<void> {
    const content: LogsEnd = { streamId };
    if (err !== undefined) {
      content.error = { code: errorCodeOf(err), message: errorMessage(err) };
    }
    const msg = newMessage({
      source: EdgeModules.edged,
      group: LogsRoute.group,
      operation: LogsRoute.end,
      resource: `logs/${streamId}`,
      content,
    });
    await this.#o.bus.send(EdgeModules.edgeHub, msg).catch((e: unknown) => {
      this.#o.log.debug({ streamId, err: errorMessage(e) }, 'logs end not delivered');
    });
  }
}
