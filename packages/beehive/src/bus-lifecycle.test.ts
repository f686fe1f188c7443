import { hasCode, type Message } from '@kedge/api';
import { FakeClock } from '@kedge/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from './bus.ts';
import { capturedLogger, msg, testModule, until } from '../test/test-helpers.ts';

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

describe('Bus restart policy', () => {
  it('restarts a crashed module after the backoff delay and it processes the messages still queued', async () => {
    const clock = new FakeClock();
    const captured = capturedLogger();
    const bus = new Bus({ log: captured.log, clock });
    buses.push(bus);
    const processed: { run: number; content: unknown }[] = [];
    let runs = 0;
    bus.register(
      testModule('metamanager', async (ctx) => {
        const run = ++runs;
        for (;;) {
          const m = await ctx.receive();
          processed.push({ run, content: m.content });
          if (run === 1) throw new Error('disk full');
        }
      }),
    );
    // Queued before start: the inbox exists from registration.
    for (let i = 0; i < 3; i++) await bus.send('metamanager', msg('default/pod/p', 'update', i));
    await bus.start();

    await until(() => runs === 1 && !bus.isRunning('metamanager'), 'the first run to crash');
    await until(() => clock.pendingSleeps() === 1, 'the restart delay to begin');
    await clock.advance(999);
    expect(runs).toBe(1); // the default first delay is 1 s
    await clock.advance(1);
    await until(() => processed.length === 3, 'the restarted module to drain its inbox');
    expect(processed).toEqual([
      { run: 1, content: 0 },
      { run: 2, content: 1 },
      { run: 2, content: 2 },
    ]);
    expect(bus.isRunning('metamanager')).toBe(true);

    const lines = captured.lines().filter((l) => l['module'] === 'metamanager');
    const crash = lines.find((l) => l['msg'] === 'module crashed');
    expect(crash).toMatchObject({ attempt: 1, err: { message: 'disk full' } });
    const restart = lines.find((l) => String(l['msg']).startsWith('restarting module'));
    expect(restart).toMatchObject({ attempt: 2, reason: 'disk full' });
    expect(restart?.['delayMs']).toBe(1000);
  });

  it('backs off exponentially and gives up after maxRetries', async () => {
    const clock = new FakeClock();
    const captured = capturedLogger();
    const bus = new Bus({ log: captured.log, clock });
    buses.push(bus);
    const startedAt: number[] = [];
    bus.register(
      testModule(
        'edged',
        async () => {
          startedAt.push(clock.now());
          throw new Error('runtime unavailable');
        },
        { restartPolicy: { kind: 'OnFailure', maxRetries: 2, initialDelayMs: 100, maxDelayMs: 150 } },
      ),
    );
    await bus.start();
    await until(() => clock.pendingSleeps() === 1, 'first backoff');
    await clock.advance(99);
    expect(startedAt).toHaveLength(1);
    await clock.advance(1);
    await until(() => startedAt.length === 2 && clock.pendingSleeps() === 1, 'second backoff');
    await clock.advance(149);
    expect(startedAt).toHaveLength(2);
    await clock.advance(1);
    await until(
      () => captured.lines().some((l) => l['msg'] === 'module not restarted: out of retries'),
      'the bus to give up',
    );
    expect(startedAt).toHaveLength(3);
    // 100 ms, then 150 ms (200 capped at maxDelayMs).
    expect(startedAt).toEqual([0, 100, 250]);
    expect(clock.pendingSleeps()).toBe(0);
    const crashes = captured.lines().filter((l) => l['msg'] === 'module crashed');
    expect(crashes.map((l) => l['attempt'])).toEqual([1, 2, 3]);
  });

  it("restarts a module that returns early under 'Always' but not under the default policy", async () => {
    const captured = capturedLogger();
    const bus = new Bus({ log: captured.log });
    buses.push(bus);
    let always = 0;
    let onFailure = 0;
    bus.register(
      testModule(
        'sync',
        async () => {
          always++;
        },
        { restartPolicy: { kind: 'Always', initialDelayMs: 1, maxDelayMs: 2 } },
      ),
    );
    bus.register(
      testModule('oneshot', async () => {
        onFailure++;
      }),
    );
    await bus.start();
    await until(() => always >= 3, 'the Always module to be restarted twice');
    expect(onFailure).toBe(1);
    expect(bus.isRunning('oneshot')).toBe(false);
    expect(captured.lines().some((l) => l['module'] === 'oneshot' && l['msg'] === 'module exited')).toBe(
      true,
    );
  });
});

describe('Bus stop', () => {
  it('is bounded even if a module ignores its signal, and rejects pending receives with KEDGE_BUS_STOPPED', async () => {
    const captured = capturedLogger();
    const bus = new Bus({ log: captured.log, stopBoundMs: 50 });
    let receiveError: unknown;
    bus.register(testModule('stubborn', () => new Promise<void>(() => {})));
    bus.register(
      testModule('polite', async (ctx) => {
        try {
          await ctx.receive();
        } catch (err: unknown) {
          receiveError = err;
          throw err;
        }
      }),
    );
    await bus.start();
    await until(() => bus.isRunning('stubborn') && bus.isRunning('polite'), 'both modules to run');

    const t0 = Date.now();
    await bus.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(40);
    expect(took).toBeLessThan(1000);
    expect(hasCode(receiveError, 'KEDGE_BUS_STOPPED')).toBe(true);
    expect(bus.isRunning('polite')).toBe(false);
    const stuck = captured.lines().filter((l) => l['msg'] === 'service did not stop within its bound');
    expect(stuck.map((l) => l['service'])).toEqual(['stubborn']);
  });

  it('aborts ctx.signal and returns promptly when every module cooperates', async () => {
    const bus = new Bus({ log: capturedLogger().log });
    const reasons: unknown[] = [];
    for (const name of ['a', 'b']) {
      bus.register(
        testModule(name, async (ctx) => {
          await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
          reasons.push(ctx.signal.reason);
        }),
      );
    }
    await bus.start();
    await until(() => bus.isRunning('a') && bus.isRunning('b'), 'modules to run');
    const t0 = Date.now();
    await bus.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => hasCode(r, 'KEDGE_BUS_STOPPED'))).toBe(true);
    const late = await bus.sendSync('a', msg('x'), 10).catch((err: unknown) => err as Message);
    expect(hasCode(late, 'KEDGE_BUS_STOPPED')).toBe(true);
  });

  it('stops the modules one by one in the reverse of their start order; a stopping module still reaches the earlier ones', async () => {
    const captured = capturedLogger();
    const bus = new Bus({ log: captured.log });
    const events: string[] = [];
    const hub = testModule('edgehub', async (ctx) => {
      try {
        for (;;) events.push(`edgehub got ${String((await ctx.receive()).content)}`);
      } catch {
        events.push('edgehub stopped');
      }
    });
    bus.register(hub);
    for (const name of ['metamanager', 'edged']) {
      bus.register(
        testModule(name, async (ctx) => {
          await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
          events.push(`${name} stopping`);
          // What a module says last on its way out (edged's final pod status) reaches edgeHub.
          await ctx.bus.send('edgehub', msg('node/status', 'update', `${name}'s last word`));
          await new Promise((r) => setTimeout(r, 5));
          events.push(`${name} stopped`);
        }),
      );
    }
    await bus.start();
    await until(() => ['edgehub', 'metamanager', 'edged'].every((n) => bus.isRunning(n)), 'modules to run');
    const first = bus.stop();
    const second = bus.stop();
    expect(second).toBe(first);
    await first;
    expect(events).toEqual([
      'edged stopping',
      "edgehub got edged's last word",
      'edged stopped',
      'metamanager stopping',
      "edgehub got metamanager's last word",
      'metamanager stopped',
      'edgehub stopped',
    ]);
    const started = captured.lines().filter((l) => l['msg'] === 'service started');
    expect(started.map((l) => l['service'])).toEqual(['edgehub', 'metamanager', 'edged']);
    await bus.stop(); // idempotent: the modules stopped once
    expect(events.filter((e) => e.endsWith(' stopped'))).toHaveLength(3);
    expect(
      hasCode(await bus.send('edgehub', msg('x')).catch((err: unknown) => err), 'KEDGE_BUS_STOPPED'),
    ).toBe(true);
  });
});
