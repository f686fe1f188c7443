import { describe, expect, it } from 'vitest';
import { exceedsFailureTolerate } from './failure-tolerance.ts';

describe('exceedsFailureTolerate', () => {
  it('fails only when failed / total is strictly greater, compared exactly', () => {
    expect(exceedsFailureTolerate(1, 3, '0.3')).toBe(true); // 0.33 > 0.3
    expect(exceedsFailureTolerate(1, 3, '0.34')).toBe(false);
    expect(exceedsFailureTolerate(1, 10, '0.1')).toBe(false); // equal is not over
    expect(exceedsFailureTolerate(2, 10, '0.1')).toBe(true);
    expect(exceedsFailureTolerate(29, 100, '0.29')).toBe(false); // 0.29 * 100 is 28.999... in floating point
    expect(exceedsFailureTolerate(3, 3, '1')).toBe(false);
    expect(exceedsFailureTolerate(3, 3, '1.0')).toBe(false);
    expect(exceedsFailureTolerate(1, 2, '.5')).toBe(false);
    expect(exceedsFailureTolerate(1, 1000, '0')).toBe(true);
  });

  it('never fails with no failures or no nodes, and treats a missing value as the default 0.1', () => {
    expect(exceedsFailureTolerate(0, 5, '0')).toBe(false);
    expect(exceedsFailureTolerate(0, 0, '0')).toBe(false);
    expect(exceedsFailureTolerate(1, 10, undefined)).toBe(false);
    expect(exceedsFailureTolerate(2, 10, undefined)).toBe(true);
    expect(exceedsFailureTolerate(2, 10, 'lots')).toBe(true);
  });
});
