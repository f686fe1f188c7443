// The decisions of Lease-based leader election as pure functions, so the
// rules can be tested without a store or a clock:
// - a Lease held by someone else is taken only after it went unchanged for
//   its leaseDurationSeconds, measured on THIS process's clock from the
//   moment this process saw it change (never from the renewTime written by
//   another machine, whose clock may be off);
// - an empty holder (a released lease) may be taken at once;
// - taking it over (from another holder or after a release) counts one
//   more leaseTransition and sets acquireTime; renewing keeps both.
import { microTime, type Lease, type LeaseSpec } from '@kedge/api';

/** What this process last saw of the Lease and when (its own clock). */
export interface Observation {
  /** The spec as seen, serialized, to tell a change from a re-read. */
  record: string;
  holder: string;
  leaseDurationMs: number;
  observedAt: number;
}

export function observe(previous: Observation | undefined, lease: Lease, now: number): Observation {
  const spec = lease.spec ?? {};
  const record = JSON.stringify([
    spec.holderIdentity ?? '',
    spec.renewTime ?? '',
    spec.acquireTime ?? '',
    spec.leaseTransitions ?? 0,
    spec.leaseDurationSeconds ?? 0,
  ]);
  if (previous && previous.record === record) return previous;
  return {
    record,
    holder: spec.holderIdentity ?? '',
    leaseDurationMs: (spec.leaseDurationSeconds ?? 0) * 1000,
    observedAt: now,
  };
}

/** Why this process may not take the Lease now, or undefined when it may (acquire or renew). */
export function heldByOther(seen: Observation, identity: string, now: number): string | undefined {
  if (seen.holder === '' || seen.holder === identity) return undefined;
  const expiresAt = seen.observedAt + seen.leaseDurationMs;
  return expiresAt > now ? seen.holder : undefined;
}

/** The spec to write when `identity` takes or renews `current` at `now`. */
export function claimedSpec(
  current: LeaseSpec | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: number,
): LeaseSpec {
  const at = microTime(new Date(now));
  const renewing = current?.holderIdentity === identity;
  return {
    ...current,
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing && current?.acquireTime ? current.acquireTime : at,
    renewTime: at,
    leaseTransitions: current === undefined ? 0 : (current.leaseTransitions ?? 0) + (renewing ? 0 : 1),
  };
}

/** The spec of a released Lease: no holder, expired in a second, so a standby takes it at once. */
export function releasedSpec(current: LeaseSpec | undefined, now: number): LeaseSpec {
  const at = microTime(new Date(now));
  return {
    ...current,
    holderIdentity: '',
    leaseDurationSeconds: 1,
    renewTime: at,
    acquireTime: at,
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}

/** A new Lease held by `identity`. */
export function newLease(
  namespace: string,
  name: string,
  identity: string,
  leaseDurationSeconds: number,
  now: number,
): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace },
    spec: claimedSpec(undefined, identity, leaseDurationSeconds, now),
  };
}
