import { createLogger } from '@kedge/runtime';
import { describe, expect, it } from 'vitest';
import { TokenBucket, UpstreamRateLimiter } from './upstream-rate-limit.ts';

describe('upstream rate limit', () => {
  it('accepts a burst, then qps messages a second', () => {
    const bucket = new TokenBucket({ qps: 30, burst: 60 }, 0);
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (bucket.take(0)) accepted++;
    expect(accepted).toBe(60);
    expect(bucket.take(10)).toBe(false); // 10 ms: 0.3 tokens
    let inASecond = 0;
    for (let t = 11; t <= 1010; t += 1) if (bucket.take(t)) inASecond++;
    expect(inASecond).toBe(30);
    // A quiet spell refills no more than the burst.
    let after = 0;
    for (let i = 0; i < 100; i++) if (bucket.take(3_600_000)) after++;
    expect(after).toBe(60);
  });

  it('keeps one bucket per node and counts refusals', () => {
    const limiter = new UpstreamRateLimiter(
      { qps: 1, burst: 2 },
      createLogger({ name: 't', level: 'silent' }),
    );
    expect([1, 2, 3].map(() => limiter.allow('a', 0))).toEqual([true, true, false]);
    expect(limiter.allow('b', 0)).toBe(true);
    expect(limiter.refused('a')).toBe(1);
    limiter.forget('a');
    expect(limiter.refused('a')).toBe(0);
  });
});
