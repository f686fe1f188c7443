// The Beehive message envelope, with KubeEdge's JSON field names so frames
// stay readable by upstream tooling: {header, route, content}.
import { z } from 'zod';

const MessageHeaderSchema = z.object({
  msg_id: z.string().min(1),
  parent_msg_id: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
  resourceversion: z.string().optional(),
  sync: z.boolean().optional(),
  type: z.string().optional(),
});

const MessageRouteSchema = z.object({
  source: z.string().min(1),
  destination: z.string().optional(),
  group: z.string(),
  operation: z.string().min(1),
  resource: z.string(),
});

export const MessageSchema = z.object({
  header: MessageHeaderSchema,
  route: MessageRouteSchema,
  content: z.unknown(),
});

type MessageHeader = z.infer<typeof MessageHeaderSchema>;
type MessageRoute = z.infer<typeof MessageRouteSchema>;
export type Message = z.infer<typeof MessageSchema>;

export interface NewMessageOptions {
  source: string;
  group: string;
  operation: string;
  resource: string;
  content?: unknown;
  destination?: string;
  parentId?: string;
  resourceVersion?: string;
  sync?: boolean;
  now?: number;
}

export function newMessage(o: NewMessageOptions): Message {
  const header: MessageHeader = { msg_id: globalThis.crypto.randomUUID(), timestamp: o.now ?? Date.now() };
  if (o.parentId !== undefined) header.parent_msg_id = o.parentId;
  if (o.resourceVersion !== undefined) header.resourceversion = o.resourceVersion;
  if (o.sync !== undefined) header.sync = o.sync;
  const route: MessageRoute = {
    source: o.source,
    group: o.group,
    operation: o.operation,
    resource: o.resource,
  };
  if (o.destination !== undefined) route.destination = o.destination;
  return { header, route, content: o.content ?? null };
}

/** A reply to `request`: parent_msg_id points at it, same resource. */
export function replyTo(request: Message, source: string, content: unknown, operation = 'response'): Message {
  return newMessage({
    source,
    group: request.route.group,
    operation,
    resource: request.route.resource,
    parentId: request.header.msg_id,
    content,
  });
}

/**
 * The edge's ack of a cloud object message (insert/update/patch/delete of
 * `<ns>/<type>/<name>`): a `response` with parent_msg_id = the message, sent
 * only after the edge database holds the result. KubeEdge acks with the bare
 * string "OK"; kedge adds what the cloud needs for its ObjectSync record
 * (named as that record's fields): the object's UID and the resourceVersion
 * the edge now holds for it ("" when nothing is stored, e.g. after a delete).
 * `outcome` says what the write did: `applied` (stored), `stale` (an older
 * version than the stored one, or an update of a deleted UID: ignored),
 * `deleted`, `absent` (delete of an object the edge does not have).
 */
export const ObjectAckContentSchema = z.object({
  status: z.literal('OK'),
  objectUID: z.string(),
  objectResourceVersion: z.string(),
  outcome: z.enum(['applied', 'stale', 'deleted', 'absent']),
});

export type ObjectAckContent = z.infer<typeof ObjectAckContentSchema>;
