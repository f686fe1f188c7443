import { createLogger } from '@kedge/runtime';
import { describe, expect, it } from 'vitest';
import { newMessage } from '@kedge/api';
import { TokenBucket, UpstreamRateLimiter, exemptFromRateLimit } from './upstream-rate-limit.ts';

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

  it('says how long until the next token, and a waiting message takes one without counting a refusal', () => {
    const limiter = new UpstreamRateLimiter(
      { qps: 20, burst: 1 },
      createLogger({ name: 't', level: 'silent' }),
    );
    expect(limiter.waitMs('a', 0)).toBe(0);
    expect(limiter.allow('a', 0)).toBe(true);
    expect(limiter.waitMs('a', 0)).toBe(50);
    expect(limiter.waitMs('a', 30)).toBe(20);
    expect(limiter.takeWaiting('a', 30)).toBe(false);
    expect(limiter.takeWaiting('a', 50)).toBe(true);
    expect(limiter.refused('a')).toBe(0);
  });

  it('takes no token for keepalives and answers to cloud messages; everything else pays', () => {
    const msg = (operation: string, parentId?: string) =>
      newMessage({
        source: 'metamanager',
        group: 'resource',
        operation,
        resource: 'default/pod/web',
        ...(parentId ? { parentId } : {}),
      });
    expect(exemptFromRateLimit(msg('keepalive'))).toBe(true);
    expect(exemptFromRateLimit(msg('response', 'cloud-msg-1'))).toBe(true);
    expect(exemptFromRateLimit(msg('error', 'cloud-msg-1'))).toBe(true);
    expect(exemptFromRateLimit(msg('response'))).toBe(false); // answers nothing
    expect(exemptFromRateLimit(msg('update'))).toBe(false);
    expect(exemptFromRateLimit(msg('insert', 'x'))).toBe(false);
  });
});
