import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kedge/runtime';
import { RestartBackOff, crashLoopMessage, goDuration, shouldRestart } from './restart-backoff.ts';

describe('restart policy', () => {
  it('Always restarts every exit, OnFailure only non-zero ones, Never none', () => {
    expect([shouldRestart('Always', 0), shouldRestart(undefined, 0), shouldRestart('Always', 1)]).toEqual([
      true,
      true,
      true,
    ]);
    expect([shouldRestart('OnFailure', 0), shouldRestart('OnFailure', 137)]).toEqual([false, true]);
    expect([shouldRestart('Never', 0), shouldRestart('Never', 1)]).toEqual([false, false]);
  });
});

describe('RestartBackOff (kubelet CrashLoopBackOff)', () => {
  it('restarts the first crash at once, then waits 10s, 20s, 40s ... capped at 5m', async () => {
    const clock = new FakeClock(1_000_000);
    const b = new RestartBackOff(clock);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const crashedAt = clock.now();
      if (!b.inBackOffSince('c', crashedAt)) {
        expect(i).toBe(0);
      } else {
        waits.push(b.get('c'));
        await clock.advance(b.get('c') - 1);
        expect(b.inBackOffSince('c', crashedAt)).toBe(true);
        await clock.advance(1);
        expect(b.inBackOffSince('c', crashedAt)).toBe(false);
      }
      b.next('c');
    }
    expect(waits.map(goDuration)).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
  });

  it('starts over at 10s after a container ran 10 minutes without a restart', async () => {
    const clock = new FakeClock(0);
    const b = new RestartBackOff(clock);
    for (let i = 0; i < 4; i++) b.next('c');
    expect(b.get('c')).toBe(80_000);
    await clock.advance(10 * 60_000);
    expect(b.get('c')).toBe(80_000); // exactly 10 min: not yet
    await clock.advance(1);
    expect(b.inBackOffSince('c', clock.now())).toBe(false);
    b.next('c');
    expect(b.get('c')).toBe(10_000);
  });

  it('keys are independent and forget() drops a pod', () => {
    const b = new RestartBackOff(new FakeClock(0));
    b.next('uid1/a');
    b.next('uid1/a');
    b.next('uid2/a');
    expect([b.get('uid1/a'), b.get('uid2/a')]).toEqual([20_000, 10_000]);
    b.forget('uid1/');
    expect([b.get('uid1/a'), b.get('uid2/a')]).toEqual([0, 10_000]);
  });

  it("writes kubelet's message", () => {
    expect(crashLoopMessage(20_000, 'web', 'web_default(u1)')).toBe(
      'back-off 20s restarting failed container=web pod=web_default(u1)',
    );
    expect(goDuration(300_000)).toBe('5m0s');
  });
});
