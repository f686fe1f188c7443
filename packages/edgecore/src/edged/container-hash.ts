// kubelet's container hash: what a container was created from, kept on it
// (annotation io.kedge.container.hash), so that a changed spec (an image
// update of a running pod) is seen on the running container, also by an
// edgecore that adopted it.
import { createHash } from 'node:crypto';
import type { Container } from './pod-spec.ts';

/** Key order does not matter; arrays do. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/** 16 hex digits of sha256 over the container spec. */
export function containerSpecHash(c: Container): string {
  return createHash('sha256').update(canonical(c)).digest('hex').slice(0, 16);
}
