import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration } from './age.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('formatDuration', () => {
  it.each([
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [5 * m + 30 * s, '5m30s'],
    [5 * m, '5m'],
    [42 * m, '42m'],
    [5 * h + 7 * m, '5h7m'],
    [20 * h, '20h'],
    [3 * d + 4 * h, '3d4h'],
    [400 * d, '400d'],
    [3 * 365 * d + 20 * d, '3y20d'],
    [10 * 365 * d, '10y'],
  ])('%i ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatAge', () => {
  it('measures from an RFC 3339 timestamp', () => {
    expect(formatAge('2025-01-01T00:00:00Z', Date.parse('2025-01-01T00:03:10Z'))).toBe('3m10s');
  });
  it('says <unknown> when there is no usable timestamp', () => {
    expect(formatAge(undefined, 0)).toBe('<unknown>');
    expect(formatAge('yesterday', 0)).toBe('<unknown>');
  });
});
