// Ordering of resourceVersions. Kubernetes calls them opaque, but every
// backend kedge talks to (etcd through kube-apiserver, the embedded SQLite
// store) issues increasing decimal integers, so two decimal strings are
// compared as numbers. Anything else cannot be ordered and is treated as new.

const DECIMAL = /^\d+$/;

/** <0, 0, >0 like a comparator; undefined when the two cannot be ordered. */
export function compareResourceVersions(a: string, b: string): number | undefined {
  if (a === b) return 0;
  if (!DECIMAL.test(a) || !DECIMAL.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True only when `incoming` is known to be older than `stored`. */
export function isOlderResourceVersion(incoming: string | undefined, stored: string | undefined): boolean {
  if (incoming === undefined || stored === undefined) return false;
  const c = compareResourceVersions(incoming, stored);
  return c !== undefined && c < 0;
}
