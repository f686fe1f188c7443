import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { FakeClock } from './fake-clock.ts';
import { every, loopService, runServices, startStopService, type Service } from './service.ts';

const log = createLogger({ name: 'service-test', level: 'silent' });

function recorder(events: string[], name: string): Service {
  return startStopService(name, {
    start: async () => {
      await Promise.resolve();
      events.push(`start ${name}`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
    },
  });
}

describe('runServices', () => {
  it('starts services in order and stops them in reverse when the signal aborts', async () => {
    const events: string[] = [];
    const outer = new AbortController();
    const run = runServices(
      [recorder(events, 'a'), recorder(events, 'b'), recorder(events, 'c')],
      outer.signal,
      {
        log,
      },
    );
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['start a', 'start b', 'start c']);
    outer.abort();
    await run;
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('does not start later services after a start failure, stops the started ones and rejects with the failure', async () => {
    const events: string[] = [];
    const broken = startStopService('broken', {
      start: () => Promise.reject(new Error('port in use')),
      stop: async () => undefined,
    });
    const run = runServices(
      [recorder(events, 'a'), broken, recorder(events, 'c')],
      new AbortController().signal,
      {
        log,
      },
    );
    await expect(run).rejects.toThrow('port in use');
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('stops everything when a running service fails', async () => {
    const events: string[] = [];
    let fail = (_: Error): void => undefined;
    const flaky = loopService('flaky', () => new Promise<void>((_, reject) => (fail = reject)));
    const run = runServices([recorder(events, 'a'), flaky], new AbortController().signal, { log });
    await new Promise((r) => setImmediate(r));
    fail(new Error('watch closed'));
    await expect(run).rejects.toThrow('watch closed');
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('gives up on a service that does not stop within the bound and stops the rest', async () => {
    const events: string[] = [];
    const clock = new FakeClock();
    const stuck = loopService('stuck', () => new Promise<void>(() => undefined));
    const outer = new AbortController();
    const run = runServices([recorder(events, 'a'), stuck], outer.signal, { log, clock, stopBoundMs: 5000 });
    await new Promise((r) => setImmediate(r));
    outer.abort();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['start a']);
    await clock.advance(5000);
    await run;
    expect(events).toEqual(['start a', 'stop a']);
  });
});

describe('every', () => {
  it('ticks once per period on the injected clock and ends when the signal aborts', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    let ticks = 0;
    const loop = every(clock, 1000, stop.signal, () => {
      ticks++;
    });
    await clock.advance(999);
    expect(ticks).toBe(0);
    await clock.advance(1);
    await clock.advance(1000);
    expect(ticks).toBe(2);
    stop.abort();
    await loop;
    await clock.advance(5000);
    expect(ticks).toBe(2);
  });
});

describe('startStopService', () => {
  it('stops a part whose start failed half-way before rethrowing', async () => {
    const events: string[] = [];
    const half = startStopService('half', {
      start: async () => {
        events.push('watch opened');
        throw new Error('listen EADDRINUSE');
      },
      stop: async () => {
        events.push('watch closed');
      },
    });
    await expect(runServices([half], new AbortController().signal, { log })).rejects.toThrow('EADDRINUSE');
    expect(events).toEqual(['watch opened', 'watch closed']);
  });
});
