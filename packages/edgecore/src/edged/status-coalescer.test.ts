import { describe, expect, it } from 'vitest';
import { FakeClock, createLogger } from '@kedge/runtime';
import { StatusCoalescer } from './status-coalescer.ts';
import type { PodStatus } from './pod-spec.ts';

const log = createLogger({ name: 'test', level: 'silent' });
const status = (phase: PodStatus['phase'], podIP?: string): PodStatus => ({
  phase,
  conditions: [],
  containerStatuses: [],
  ...(podIP ? { podIP } : {}),
});
const settle = () => new Promise((r) => setImmediate(r));

describe('status coalescer', () => {
  it('sends a status once however often it is offered (probe ticks), and each change', async () => {
    const sent: PodStatus[] = [];
    const c = new StatusCoalescer({ sink: async (s) => void sent.push(s), clock: new FakeClock(), log });
    expect(c.offer(status('Pending'))).toBe(true);
    await settle();
    for (let i = 0; i < 50; i++)
      expect(c.offer({ containerStatuses: [], conditions: [], phase: 'Pending' })).toBe(false);
    c.offer(status('Running', '10.0.0.1'));
    await settle();
    expect(sent.map((s) => s.phase)).toEqual(['Pending', 'Running']);
    expect(c.writes).toBe(2);
  });

  it('while a write is in flight only the newest offer is sent next', async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const c = new StatusCoalescer({
      sink: (s) => {
        sent.push(s.podIP ?? s.phase);
        return sent.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      clock: new FakeClock(),
      log,
    });
    c.offer(status('Pending'));
    for (let i = 1; i <= 5; i++) c.offer(status('Running', `10.0.0.${i}`));
    release();
    await settle();
    await settle();
    expect(sent).toEqual(['Pending', '10.0.0.5']);
  });

  it('retries a failed write after retryMs with the newest status', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    let fail = true;
    const c = new StatusCoalescer({
      sink: async (s) => {
        sent.push(s.phase);
        if (fail) throw new Error('tunnel down');
      },
      clock,
      log,
      retryMs: 1000,
    });
    c.offer(status('Pending'));
    await settle();
    c.offer(status('Running'));
    fail = false;
    await clock.advance(1000);
    expect(sent).toEqual(['Pending', 'Running']);
    expect(c.offer(status('Running'))).toBe(false);
  });
});
