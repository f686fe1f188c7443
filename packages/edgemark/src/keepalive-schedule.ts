// When each hollow node sends its keepalive. Node i of n gets the fixed phase
// i * heartbeat / n inside the heartbeat period, so a fleet's keepalives are
// spread evenly over the period instead of all firing in the same
// millisecond, and stay spread after a mass reconnect (the phase belongs to
// the node, not to the moment it connected).

/** Offset of node `index` (0-based) of `count` inside one heartbeat period, in ms. */
export function keepalivePhase(index: number, count: number, heartbeatMs: number): number {
  if (count <= 0) return 0;
  return Math.floor(((index % count) * heartbeatMs) / count);
}

/**
 * The first keepalive time strictly after `registeredAt` that falls on the
 * node's phase: origin + phase + k * heartbeat.
 */
export function firstKeepaliveAt(
  registeredAt: number,
  origin: number,
  phaseMs: number,
  heartbeatMs: number,
): number {
  const anchor = origin + phaseMs;
  const k = Math.floor((registeredAt - anchor) / heartbeatMs) + 1;
  return anchor + k * heartbeatMs;
}

/** Where node `index` of `count` starts dialling when the start is spread over `spreadMs`. */
export function startDelay(index: number, count: number, spreadMs: number): number {
  if (count <= 0 || spreadMs <= 0) return 0;
  return Math.floor((index * spreadMs) / count);
}
