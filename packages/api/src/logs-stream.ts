// The `kedgectl logs` tunnel messages: the cloud asks a node for one
// container's log (route group `logs`), the node answers with chunks and an
// end. Chunks are best effort (never in the outbox); both ends bound their
// size and what they buffer per stream.
import { z } from 'zod';

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
