import { describe, expect, it } from 'vitest';
import type { Lease } from '@kedge/api';
import { claimedSpec, heldByOther, newLease, observe, releasedSpec } from './lease-record.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');

function lease(spec: Lease['spec']): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'kubeedge' },
    spec,
  };
}

describe('lease rules', () => {
  it('writes MicroTime stamps and starts with no transitions', () => {
    const l = newLease('kubeedge', 'l', 'a', 15, T0 + 123);
    expect(l.spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2030-01-01T00:00:00.123000Z',
      renewTime: '2030-01-01T00:00:00.123000Z',
      leaseTransitions: 0,
    });
  });

  it('lets another holder expire only after leaseDuration of no change, on the local clock', () => {
    const held = lease(claimedSpec(undefined, 'a', 15, T0));
    // The renewTime says T0, but this process first sees it much later: it still waits a full 15 s.
    const seen = observe(undefined, held, T0 + 60_000);
    expect(heldByOther(seen, 'b', T0 + 60_000 + 14_999)).toBe('a');
    expect(observe(seen, held, T0 + 70_000)).toBe(seen); // a re-read of the same record changes nothing
    expect(heldByOther(seen, 'b', T0 + 75_000)).toBeUndefined();
    // A renewal restarts the wait.
    const renewed = lease(claimedSpec(held.spec, 'a', 15, T0 + 74_000));
    const again = observe(seen, renewed, T0 + 74_500);
    expect(heldByOther(again, 'b', T0 + 75_000)).toBe('a');
    expect(heldByOther(again, 'a', T0 + 75_000)).toBeUndefined(); // the holder itself may always renew
  });

  it('counts transitions on takeover, keeps acquireTime on renewal', () => {
    const first = claimedSpec(undefined, 'a', 15, T0);
    const renewed = claimedSpec(first, 'a', 15, T0 + 2000);
    expect(renewed.acquireTime).toBe(first.acquireTime);
    expect(renewed.renewTime).toBe('2030-01-01T00:00:02.000000Z');
    expect(renewed.leaseTransitions).toBe(0);
    const taken = claimedSpec(renewed, 'b', 15, T0 + 30_000);
    expect(taken).toMatchObject({
      holderIdentity: 'b',
      leaseTransitions: 1,
      acquireTime: '2030-01-01T00:00:30.000000Z',
    });
  });

  it('a released lease is free at once', () => {
    const released = lease(releasedSpec(claimedSpec(undefined, 'a', 15, T0), T0 + 1000));
    expect(released.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(heldByOther(observe(undefined, released, T0 + 1001), 'b', T0 + 1001)).toBeUndefined();
    expect(claimedSpec(released.spec, 'b', 15, T0 + 1002).leaseTransitions).toBe(1);
  });
});
