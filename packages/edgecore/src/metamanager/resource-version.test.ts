import { describe, expect, it } from 'vitest';
import { compareResourceVersions, isOlderResourceVersion } from './resource-version.ts';

describe('resourceVersion ordering', () => {
  it('compares decimal versions as numbers, not as text', () => {
    expect(compareResourceVersions('9', '10')).toBeLessThan(0);
    expect(compareResourceVersions('100', '99')).toBeGreaterThan(0);
    expect(compareResourceVersions('18446744073709551617', '18446744073709551616')).toBeGreaterThan(0);
    expect(compareResourceVersions('7', '7')).toBe(0);
  });

  it('cannot order opaque versions and so never calls them older', () => {
    expect(compareResourceVersions('abc', '10')).toBeUndefined();
    expect(isOlderResourceVersion('abc', '10')).toBe(false);
    expect(isOlderResourceVersion(undefined, '10')).toBe(false);
    expect(isOlderResourceVersion('5', undefined)).toBe(false);
    expect(isOlderResourceVersion('5', '6')).toBe(true);
    expect(isOlderResourceVersion('6', '6')).toBe(false);
  });
});
