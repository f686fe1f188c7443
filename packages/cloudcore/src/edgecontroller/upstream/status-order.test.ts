import { describe, expect, it } from 'vitest';
import { olderStatus } from './status-order.ts';

const running = (restartCount: number, startedAt: string) => ({
  phase: 'Running' as const,
  containerStatuses: [
    { name: 'c', image: 'app', imageID: '', ready: true, restartCount, state: { running: { startedAt } } },
  ],
});

describe('a pod status never goes back', () => {
  it('accepts the first status and a newer one', () => {
    expect(olderStatus(running(0, '2026-12-03T01:00:00Z'), undefined)).toBeUndefined();
    expect(
      olderStatus(running(1, '2026-12-03T01:05:00Z'), running(0, '2026-12-03T01:00:00Z')),
    ).toBeUndefined();
  });

  it("ignores the scheduler's PodScheduled time (another clock than the node's)", () => {
    const scheduled = {
      ...running(0, '2026-12-03T01:00:00Z'),
      conditions: [
        { type: 'PodScheduled', status: 'True' as const, lastTransitionTime: '2026-12-03T05:00:00Z' },
      ],
    };
    expect(olderStatus(running(0, '2026-12-03T01:00:01Z'), scheduled)).toBeUndefined();
  });

  it('refuses fewer restarts, an older transition, and running again after the pod finished', () => {
    expect(olderStatus(running(0, '2026-12-03T01:09:00Z'), running(2, '2026-12-03T01:05:00Z'))).toMatch(
      /0 container restarts, 2 stored/,
    );
    expect(olderStatus(running(1, '2026-12-03T01:00:00Z'), running(1, '2026-12-03T01:05:00Z'))).toMatch(
      /older/,
    );
    expect(olderStatus(running(0, '2026-12-03T02:00:00Z'), { phase: 'Succeeded' })).toMatch(/finished/);
  });
});
