import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { Backoff, resendDelayMs } from './backoff.ts';

describe('Backoff', () => {
  it('grows by the factor and stops at the cap', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(b.attempt).toBe(8);
  });

  it('honours a custom factor and starts over after reset', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 1000, factor: 3, jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 30, 90]);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(10);
  });

  it('keeps jittered delays within [base * (1 - jitter), base], never above the cap', () => {
    for (const r of [0, 0.5, 0.999999]) {
      const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2, random: () => r });
      for (let i = 0; i < 10; i++) {
        const base = Math.min(1000, 100 * 2 ** i);
        const d = b.next();
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(base);
      }
    }
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    for (let i = 0; i < 200; i++) {
      const d = b.next();
      expect(d).toBeLessThanOrEqual(1000);
      expect(d).toBeGreaterThanOrEqual(80);
    }
  });

  it('rejects impossible options, naming the field', () => {
    let caught: unknown;
    try {
      new Backoff({ initialMs: 100, maxMs: 10, jitter: 2 });
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('maxMs: must be >= initialMs');
    expect((caught as Error).message).toContain('jitter: must be within 0..1');
  });
});

describe('resendDelayMs', () => {
  it('waits the base after the first send, doubling with each further send up to 16 x the base', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((sends) => resendDelayMs(10_000, sends))).toEqual([
      10_000, 10_000, 20_000, 40_000, 80_000, 160_000, 160_000, 160_000,
    ]);
  });
});
