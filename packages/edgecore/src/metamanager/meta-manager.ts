// metaManager: keeps the edge's copy of what the cloud sends (group
// `resource`, insert/update/patch/delete on `<ns>/<type>/<name>`) in SQLite,
// acknowledges each message to the cloud once the row is written, answers
// local `query` messages from SQLite, and tracks the cloud connection state
// EdgeHub announces. Nothing a message contains can stop the module: bad
// input is answered with an `error` reply and logged.
import {
  EdgeGroups,
  EdgeModules,
  MessageSchema,
  Operations,
  WireGroups,
  describeIssues,
  edgeResource,
  errorMessage,
  hasCode,
  KedgeError,
  parseEdgeResource,
  replyTo,
  type ErrorCode,
  type Message,
  type ObjectAckContent,
  type ParsedEdgeResource,
} from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import { resourceVersionOf, uidOf, type MetaCache } from './meta-cache.ts';

/** What EdgeHub sends to group `meta` when the tunnel comes up or goes down. */
export const CloudConnection = {
  connected: 'cloud_connected',
  disconnected: 'cloud_disconnected',
  resource: 'node/connection',
} as const;

export interface MetaManagerOptions {
  cache: MetaCache;
  /** modules.metaManager.enable (default true). */
  enabled?: boolean;
}

/** Content of an `error` reply, as on the wire (docs/tunnel.md). */
interface ErrorReplyContent {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export class MetaManager implements Module {
  readonly name = EdgeModules.metaManager;
  readonly group = EdgeGroups.meta;
  readonly enabled: boolean;
  readonly #cache: MetaCache;

  constructor(options: MetaManagerOptions) {
    this.#cache = options.cache;
    this.enabled = options.enabled ?? true;
  }

  async start(ctx: ModuleContext): Promise<void> {
    while (!ctx.signal.aborted) {
      let msg: Message;
      try {
        msg = await ctx.receive();
      } catch (err: unknown) {
        if (ctx.signal.aborted || hasCode(err, 'KEDGE_BUS_STOPPED')) return;
        throw err;
      }
      await this.#dispatch(ctx, msg);
    }
  }

  async #dispatch(ctx: ModuleContext, raw: Message): Promise<void> {
    const parsed = MessageSchema.safeParse(raw);
    if (!parsed.success) {
      ctx.log.warn(
        { problems: describeIssues(parsed.error) },
        'dropping a bus message that is not a valid message',
      );
      return;
    }
    const msg = parsed.data;
    const op = msg.route.operation;
    try {
      switch (op) {
        case Operations.insert:
        case Operations.update:
        case Operations.patch:
          await this.#upsert(ctx, msg);
          return;
        case Operations.delete:
          await this.#delete(ctx, msg);
          return;
        case Operations.query:
          this.#query(ctx, msg);
          return;
        case CloudConnection.connected:
        case Operations.connected:
          this.#cache.setConnected(true);
          ctx.log.info('cloud connected');
          return;
        case CloudConnection.disconnected:
        case Operations.disconnected:
          this.#cache.setConnected(false);
          ctx.log.info('cloud disconnected; serving from the local cache');
          return;
        case Operations.response:
        case Operations.error:
          // Never answer a reply: that could bounce between the two ends forever.
          ctx.log.debug({ msgId: msg.header.msg_id, resource: msg.route.resource, op }, 'ignoring a reply');
          return;
        default:
          throw malformed(
            msg,
            `unknown operation "${op}" on resource "${msg.route.resource}"` +
              ' (metamanager handles insert, update, patch, delete, query)',
          );
      }
    } catch (err: unknown) {
      await this.#fail(ctx, msg, err);
    }
  }

  async #upsert(ctx: ModuleContext, msg: Message): Promise<void> {
    const res = writableResource(msg);
    const object = objectContent(msg);
    const nameInObject = (object as { metadata?: { name?: unknown } }).metadata?.name;
    if (nameInObject !== undefined && nameInObject !== res.name) {
      throw malformed(
        msg,
        `content.metadata.name ${JSON.stringify(nameInObject)} does not match resource "${msg.route.resource}"`,
      );
    }
    const rv = msg.header.resourceversion || resourceVersionOf(object);
    const outcome = this.#cache.upsert(res.namespace, res.type, res.name, object, rv);
    const fields = { msgId: msg.header.msg_id, resource: msg.route.resource, resourceVersion: rv };
    if (outcome === 'stale') ctx.log.info(fields, 'ignored an older resourceVersion than the cached one');
    else ctx.log.debug({ ...fields, op: msg.route.operation }, 'cached');
    await this.#answer(
      ctx,
      msg,
      replyTo(
        msg,
        this.name,
        this.#ack(edgeResource(res.namespace, res.type, res.name), uidOf(object), outcome),
      ),
      true,
    );
  }

  async #delete(ctx: ModuleContext, msg: Message): Promise<void> {
    const res = writableResource(msg);
    const content = typeof msg.content === 'object' && msg.content !== null ? msg.content : undefined;
    const precondition: { resourceVersion?: string; uid?: string } = {};
    const rv = msg.header.resourceversion || resourceVersionOf(content);
    if (rv) precondition.resourceVersion = rv;
    const uid = uidOf(content);
    if (uid) precondition.uid = uid;
    const outcome = this.#cache.delete(edgeResource(res.namespace, res.type, res.name), precondition);
    const fields = { msgId: msg.header.msg_id, resource: msg.route.resource, outcome };
    if (outcome === 'stale' || outcome === 'uid-mismatch')
      ctx.log.info(fields, 'ignored a delete of an older object');
    else ctx.log.debug(fields, 'deleted from the cache');
    const acked = outcome === 'uid-mismatch' ? 'absent' : outcome;
    await this.#answer(
      ctx,
      msg,
      replyTo(msg, this.name, this.#ack(edgeResource(res.namespace, res.type, res.name), uid, acked)),
      true,
    );
  }

  /** The ack of an object write, sent after the row is written: what the edge now holds (docs/tunnel.md). */
  #ack(resource: string, uid: string | undefined, outcome: ObjectAckContent['outcome']): ObjectAckContent {
    const stored = this.#cache.get(resource);
    const storedUid = uidOf(stored?.value);
    // Another incarnation under the same name: this object's version on the edge is none.
    const same = stored !== undefined && (uid === undefined || storedUid === undefined || storedUid === uid);
    return {
      status: 'OK',
      objectUID: uid ?? storedUid ?? '',
      objectResourceVersion: same ? (stored.resourceVersion ?? '') : '',
      outcome,
    };
  }

  #query(ctx: ModuleContext, msg: Message): void {
    const res = parseEdgeResource(msg.route.resource);
    if (!res)
      throw malformed(msg, `resource "${msg.route.resource}": expected <ns>/<type> or <ns>/<type>/<name>`);
    let reply: Message;
    if (res.name === undefined) {
      reply = replyTo(
        msg,
        this.name,
        this.#cache.list(res.namespace, res.type).map((e) => e.value),
      );
    } else {
      const entry = this.#cache.get(edgeResource(res.namespace, res.type, res.name));
      reply = entry
        ? replyTo(msg, this.name, entry.value)
        : errorReply(msg, this.name, {
            code: 'KEDGE_STORE_NOT_FOUND',
            message: `${msg.route.resource} not found in the edge cache`,
            retryable: false,
          });
    }
    if (!ctx.bus.sendResp(reply)) {
      ctx.log.warn(
        { msgId: msg.header.msg_id, resource: msg.route.resource, from: msg.route.source },
        'query answered but nobody waits for the reply (send queries with sendSync)',
      );
    }
  }

  /** Logs the failure and answers it; never throws. */
  async #fail(ctx: ModuleContext, msg: Message, err: unknown): Promise<void> {
    const bad = hasCode(err, 'KEDGE_WIRE_MALFORMED');
    const content: ErrorReplyContent = bad
      ? { code: 'KEDGE_WIRE_MALFORMED', message: errorMessage(err), retryable: false }
      : { code: 'KEDGE_STORE_UNAVAILABLE', message: `edge cache: ${errorMessage(err)}`, retryable: true };
    const fields = {
      msgId: msg.header.msg_id,
      resource: msg.route.resource,
      op: msg.route.operation,
      from: msg.route.source,
    };
    if (bad) ctx.log.warn(fields, `rejected: ${content.message}`);
    else ctx.log.error({ ...fields, err }, 'could not apply a message');
    const fromCloud = msg.route.group === WireGroups.resource && msg.route.operation !== Operations.query;
    try {
      await this.#answer(ctx, msg, errorReply(msg, this.name, content), fromCloud);
    } catch (sendErr: unknown) {
      ctx.log.warn({ ...fields, err: sendErr }, 'could not send the error reply');
    }
  }

  /**
   * A local sendSync waiter gets the reply first; otherwise a reply to a
   * cloud message goes to EdgeHub, which forwards it over the tunnel.
   */
  async #answer(ctx: ModuleContext, request: Message, reply: Message, toCloud: boolean): Promise<void> {
    if (ctx.bus.sendResp(reply)) return;
    if (!toCloud) {
      ctx.log.warn(
        { msgId: request.header.msg_id, from: request.route.source },
        'nobody waits for the reply',
      );
      return;
    }
    try {
      await ctx.bus.send(EdgeModules.edgeHub, reply, ctx.signal);
    } catch (err: unknown) {
      if (ctx.signal.aborted) return;
      // The cloud re-sends what it has not seen acknowledged, so a lost ack only costs a repeat.
      ctx.log.warn(
        { msgId: request.header.msg_id, resource: request.route.resource, err },
        'could not hand the reply to edgehub',
      );
    }
  }
}

function writableResource(msg: Message): ParsedEdgeResource & { name: string } {
  const res = parseEdgeResource(msg.route.resource);
  if (!res || res.name === undefined || res.name.length === 0) {
    throw malformed(msg, `resource "${msg.route.resource}": expected <ns>/<type>/<name>`);
  }
  return { ...res, name: res.name };
}

/** The object a write carries: JSON object, or a string holding one. */
function objectContent(msg: Message): object {
  let content = msg.content;
  if (typeof content === 'string') {
    try {
      content = JSON.parse(content) as unknown;
    } catch (err: unknown) {
      throw malformed(
        msg,
        `content of ${msg.route.operation} ${msg.route.resource}: not JSON (${errorMessage(err)})`,
      );
    }
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw malformed(
      msg,
      `content of ${msg.route.operation} ${msg.route.resource}: expected the object, got ${describe(content)}`,
    );
  }
  return content;
}

function malformed(msg: Message, message: string): KedgeError {
  return new KedgeError('KEDGE_WIRE_MALFORMED', message, {
    resource: msg.route.resource,
    msgId: msg.header.msg_id,
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function errorReply(request: Message, source: string, content: ErrorReplyContent): Message {
  return replyTo(request, source, content, Operations.error);
}
