// WebSocket close codes CloudHub uses (see docs/tunnel.md).
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  oversize: 1009,
  malformed: 4400,
  unauthorized: 4401,
  /** The node was revoked or its Node deleted; it must be joined again. */
  revoked: 4403,
  replaced: 4409,
  keepaliveTimeout: 4408,
  nodeLimit: 4429,
  internalError: 1011,
} as const;

/** The protocol's limit on a close frame's reason (RFC 6455 5.5: 125-byte payload minus the code). */
export const MAX_CLOSE_REASON_BYTES = 123;
const ELLIPSIS = '...';

/**
 * A close reason that always fits: at most 123 UTF-8 bytes, cut on a
 * character boundary (never half a multi-byte character) and ending in "..."
 * when it was cut. `ws` throws when given a longer reason, so every close
 * goes through here.
 */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_CLOSE_REASON_BYTES) return text;
  const budget = MAX_CLOSE_REASON_BYTES - ELLIPSIS.length;
  let bytes = 0;
  let cut = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    cut += ch;
  }
  return cut + ELLIPSIS;
}
