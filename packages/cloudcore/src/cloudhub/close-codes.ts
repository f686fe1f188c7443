// WebSocket close codes CloudHub uses (see docs/tunnel.md).
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  oversize: 1009,
  malformed: 4400,
  unauthorized: 4401,
  replaced: 4409,
  keepaliveTimeout: 4408,
  nodeLimit: 4429,
} as const;

/** WebSocket close reasons must fit in 123 bytes. */
export function closeReason(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= 123 ? text : buf.subarray(0, 120).toString('utf8') + '...';
}
