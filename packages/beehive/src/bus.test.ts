import { hasCode, replyTo, type Message } from '@kedge/api';
import { FakeClock } from '@kedge/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from './bus.ts';
import { capturedLogger, msg, testModule, until } from '../test/test-helpers.ts';

const buses: Bus[] = [];
function newBus(options: { clock?: FakeClock; inboxCapacity?: number } = {}): Bus {
  const bus = new Bus({ log: capturedLogger().log, ...options });
  buses.push(bus);
  return bus;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.stop()));
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Bus sync sends', () => {
  it('delivers the reply whose parent_msg_id is the request id, and marks the request sync', async () => {
    const bus = newBus();
    const seen: Message[] = [];
    bus.register(
      testModule('metamanager', async (ctx) => {
        for (;;) {
          const req = await ctx.receive();
          seen.push(req);
          ctx.bus.sendResp(replyTo(req, 'metamanager', { pods: ['nginx'] }));
        }
      }),
    );
    await bus.start();
    const request = msg('default/podlist', 'query');
    const reply = await bus.sendSync('metamanager', request, 1000);
    expect(reply.header.parent_msg_id).toBe(request.header.msg_id);
    expect(reply.content).toEqual({ pods: ['nginx'] });
    expect(reply.route.operation).toBe('response');
    expect(seen[0]?.header.sync).toBe(true);
    expect(request.header.sync).toBeUndefined(); // the caller's object is not mutated
  });

  it('times out with KEDGE_BUS_TIMEOUT naming module, operation, resource and timeout, then forgets the waiter', async () => {
    const clock = new FakeClock();
    const bus = newBus({ clock });
    const received: Message[] = [];
    bus.register(
      testModule('edged', async (ctx) => {
        for (;;) received.push(await ctx.receive());
      }),
    );
    await bus.start();
    const request = msg('default/pod/nginx', 'query');
    const pending = rejection(bus.sendSync('edged', request));
    await until(() => received.length === 1, 'the request to arrive');
    await clock.advance(29_999);
    expect(clock.pendingSleeps()).toBe(1); // still waiting at 29.999 s
    await clock.advance(1);
    const err = await pending;
    expect(hasCode(err, 'KEDGE_BUS_TIMEOUT')).toBe(true);
    const text = (err as Error).message;
    for (const part of ['"edged"', 'query', 'default/pod/nginx', '30000 ms']) expect(text).toContain(part);
    // A reply arriving after the timeout finds nobody waiting.
    expect(bus.sendResp(replyTo(request, 'edged', 'late'))).toBe(false);
  });

  it('sendResp returns false for a reply nobody waits for', () => {
    const bus = newBus();
    expect(bus.sendResp(replyTo(msg('default/pod/a'), 'x', null))).toBe(false);
    expect(bus.sendResp(msg('default/pod/a'))).toBe(false);
  });
});

describe('Bus back-pressure', () => {
  it('holds a sender back while the inbox is full and delivers all 100 messages in order', async () => {
    const bus = newBus({ inboxCapacity: 2 });
    const got: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    bus.register(
      testModule('consumer', async (ctx) => {
        await gate;
        for (;;) {
          const m = await ctx.receive();
          got.push(m.content as number);
          await new Promise((r) => setTimeout(r, 1)); // slow consumer
        }
      }),
    );
    await bus.start();

    let sent = 0;
    let maxAhead = 0;
    const producer = (async () => {
      for (let i = 0; i < 100; i++) {
        await bus.send('consumer', msg('default/configmap/c', 'update', i));
        sent++;
        maxAhead = Math.max(maxAhead, sent - got.length);
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toBe(2); // the third send is held back, not dropped
    expect(bus.trySend('consumer', msg('default/configmap/c'))).toBe(false);

    release();
    await producer;
    await until(() => got.length === 100, 'all messages to be consumed');
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(maxAhead).toBeLessThanOrEqual(3); // inbox capacity + the one in the consumer's hands
  });

  it('rejects a sender still held back when the bus stops', async () => {
    const bus = newBus({ inboxCapacity: 1 });
    bus.register(
      testModule('idle', (ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r()))),
    );
    await bus.start();
    await bus.send('idle', msg('a'));
    const blocked = rejection(bus.send('idle', msg('b')));
    await bus.stop();
    expect(hasCode(await blocked, 'KEDGE_BUS_STOPPED')).toBe(true);
    expect(hasCode(await rejection(bus.send('idle', msg('c'))), 'KEDGE_BUS_STOPPED')).toBe(true);
  });
});

describe('Bus addressing', () => {
  it('never starts or addresses a disabled module', async () => {
    const bus = newBus();
    let started = false;
    bus.register(
      testModule(
        'twin',
        async () => {
          started = true;
        },
        { enabled: false },
      ),
    );
    await bus.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toBe(false);
    expect(bus.isRunning('twin')).toBe(false);

    const viaSend = await rejection(bus.send('twin', msg('default/device/d1')));
    expect(hasCode(viaSend, 'KEDGE_BUS_NO_MODULE')).toBe(true);
    expect((viaSend as Error).message).toContain('"twin" is disabled');
    expect(() => bus.trySend('twin', msg('x'))).toThrow(/disabled/);
    expect(hasCode(await rejection(bus.sendSync('twin', msg('x'), 50)), 'KEDGE_BUS_NO_MODULE')).toBe(true);

    const unknown = await rejection(bus.send('nosuch', msg('default/pod/p')));
    expect(hasCode(unknown, 'KEDGE_BUS_NO_MODULE')).toBe(true);
    expect((unknown as Error).message).toContain('"nosuch" is not registered');
  });

  it('refuses a second module with the same name', () => {
    const bus = newBus();
    bus.register(testModule('edged', async () => {}));
    expect(() => bus.register(testModule('edged', async () => {}, { enabled: false }))).toThrow(
      /already registered/,
    );
  });

  it('fans a group message out to every enabled member and nobody else', async () => {
    const bus = newBus();
    const got = new Map<string, Message[]>();
    const collector = (name: string, group: string, enabled = true) =>
      testModule(
        name,
        async (ctx) => {
          for (;;) {
            const m = await ctx.receive();
            got.set(name, [...(got.get(name) ?? []), m]);
          }
        },
        { group, enabled },
      );
    bus.register(collector('metamanager', 'meta'));
    bus.register(collector('metaserver', 'meta'));
    bus.register(collector('metaspare', 'meta', false));
    bus.register(collector('websocket', 'hub'));
    await bus.start();

    const m = msg('default/pod/nginx', 'insert', { spec: 1 });
    await bus.sendToGroup('meta', m);
    await until(() => got.size === 2, 'both meta members to receive');
    await new Promise((r) => setTimeout(r, 10));
    expect([...got.keys()].sort()).toEqual(['metamanager', 'metaserver']);
    for (const name of ['metamanager', 'metaserver']) {
      expect(got.get(name)).toHaveLength(1);
      expect(got.get(name)?.[0]).toEqual(m);
    }

    const empty = await rejection(bus.sendToGroup('nobody', m));
    expect(hasCode(empty, 'KEDGE_BUS_NO_MODULE')).toBe(true);
    expect((empty as Error).message).toContain('"nobody"');
  });
});
