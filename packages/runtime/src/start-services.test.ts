import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { loopService, startStopService, type Service } from './service.ts';
import { startServices } from './start-services.ts';

const log = createLogger({ name: 'start-services-test', level: 'silent' });

function recorder(events: string[], name: string): Service {
  return startStopService(name, {
    start: async () => {
      events.push(`start ${name}`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
    },
  });
}

describe('startServices', () => {
  it('resolves once all started; stop() stops them in reverse, and again is a no-op', async () => {
    const events: string[] = [];
    const running = await startServices([recorder(events, 'a'), recorder(events, 'b')], { log });
    expect(events).toEqual(['start a', 'start b']);
    await running.stop();
    await running.stop();
    await running.done;
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('rejects with a start failure only after the started services were stopped', async () => {
    const events: string[] = [];
    const broken = startStopService('broken', {
      start: () => Promise.reject(new Error('port in use')),
      stop: async () => undefined,
    });
    await expect(
      startServices([recorder(events, 'a'), broken, recorder(events, 'c')], { log }),
    ).rejects.toThrow('port in use');
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('done rejects when a running service fails, after the others stopped', async () => {
    const events: string[] = [];
    let fail = (_: Error): void => undefined;
    const flaky = loopService('flaky', () => new Promise<void>((_, reject) => (fail = reject)));
    const running = await startServices([recorder(events, 'a'), flaky], { log });
    fail(new Error('watch closed'));
    await expect(running.done).rejects.toThrow('watch closed');
    expect(events).toEqual(['start a', 'stop a']);
    await running.stop();
  });
});
