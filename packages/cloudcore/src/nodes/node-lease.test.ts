import { describe, expect, it } from 'vitest';
import { nodeLeaseOn } from './node-lease.ts';

describe('nodeLeaseOn', () => {
  it('auto renews node Leases against a kube-apiserver only; true/false force it', () => {
    expect(nodeLeaseOn('auto', 'kubernetes')).toBe(true);
    expect(nodeLeaseOn('auto', 'sqlite')).toBe(false);
    expect(nodeLeaseOn(true, 'sqlite')).toBe(true);
    expect(nodeLeaseOn(false, 'kubernetes')).toBe(false);
  });
});
