// Small HTTP helpers for the BFF: JSON replies, KedgeError -> status mapping
// and a bounded JSON body reader.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodeOf, errorMessage, KedgeError, type ErrorCode } from '@kedge/api';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  KEDGE_HTTP_BAD_REQUEST: 400,
  KEDGE_RESOURCE_INVALID: 400,
  KEDGE_HTTP_NOT_FOUND: 404,
  KEDGE_STORE_NOT_FOUND: 404,
  KEDGE_HTTP_HOST_FORBIDDEN: 403,
  KEDGE_HTTP_ORIGIN_FORBIDDEN: 403,
  KEDGE_HTTP_METHOD_NOT_ALLOWED: 405,
  KEDGE_HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  KEDGE_STORE_CONFLICT: 409,
  KEDGE_STORE_UNAVAILABLE: 503,
};

/** Largest request body the API reads. */
const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Replies {code, message}; returns the status sent. */
export function sendError(res: ServerResponse, err: unknown): number {
  const code: ErrorCode = errorCodeOf(err);
  const status = STATUS_BY_CODE[code] ?? 500;
  if (!res.headersSent) sendJson(res, status, { code, message: errorMessage(err) });
  else res.destroy();
  return status;
}

export function badRequest(message: string, fields?: string[]): KedgeError {
  return new KedgeError('KEDGE_HTTP_BAD_REQUEST', message, fields ? { fields } : {});
}

/** Reads a JSON body; only `application/json` is accepted (a cross-site form cannot send it). */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw badRequest(`body: content-type must be application/json, got "${type}"`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw badRequest(`body: larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`body: not valid JSON (${errorMessage(err)})`);
  }
}
