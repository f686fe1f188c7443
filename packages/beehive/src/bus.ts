// The in-process message bus, after KubeEdge's beehive: every enabled module
// has one bounded inbox, addressed by module name or by group. Sends wait
// while an inbox is full (nothing is dropped), sync sends wait for the reply
// whose parent_msg_id is the request's msg_id.
import { KedgeError, type Message } from '@kedge/api';
import { raceAbort, systemClock, type Clock, type Logger } from '@kedge/runtime';
import { checkInboxCapacity, Inbox } from './inbox.ts';
import type { Module, ModuleBus } from './module.ts';
import { superviseModule, type SupervisedModule } from './module-supervisor.ts';
import { SyncWaiters } from './sync-waiters.ts';

export interface BusOptions {
  log: Logger;
  clock?: Clock;
  /** Messages each inbox holds before senders wait; default 1024. */
  inboxCapacity?: number;
}

export type BusState = 'new' | 'running' | 'stopping' | 'stopped';

interface Entry extends SupervisedModule {
  /** The supervisor task, once started; it never rejects. */
  task?: Promise<void>;
  done: boolean;
}

const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export class Bus implements ModuleBus {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  readonly #disabled = new Map<string, Module>();
  readonly #waiters = new SyncWaiters();
  readonly #stop = new AbortController();
  #state: BusState = 'new';
  #stopped?: Promise<void>;

  constructor(options: BusOptions) {
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#capacity = options.inboxCapacity ?? 1024;
    checkInboxCapacity(this.#capacity);
  }

  get state(): BusState {
    return this.#state;
  }

  /** Records a module. Enabled ones get an inbox at once (messages may queue before start). */
  register(module: Module): void {
    const { name } = module;
    if (this.#entries.has(name) || this.#disabled.has(name)) {
      throw new KedgeError('KEDGE_INTERNAL', `module "${name}" is already registered`, { module: name });
    }
    if (this.#state === 'stopping' || this.#state === 'stopped') throw this.#stoppedError('register', name);
    if (!module.enabled) {
      this.#disabled.set(name, module);
      this.#log.info({ module: name, group: module.group }, 'module disabled; not started');
      return;
    }
    const entry: Entry = {
      module,
      inbox: new Inbox(this.#capacity),
      log: this.#log.child({ module: name }),
      running: false,
      done: false,
    };
    this.#entries.set(name, entry);
    if (this.#state === 'running') this.#launch(entry);
  }

  /** Starts every enabled module, each in its own async task, and returns without waiting for them. */
  async start(): Promise<void> {
    if (this.#state === 'running') return;
    if (this.#state !== 'new') throw this.#stoppedError('start');
    this.#state = 'running';
    for (const entry of this.#entries.values()) this.#launch(entry);
  }

  /** Aborts every module's signal and waits up to timeoutMs for them to return. */
  stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.#stopped ??= this.#doStop(timeoutMs);
    return this.#stopped;
  }

  async send(to: string, msg: Message, signal?: AbortSignal): Promise<void> {
    const entry = this.#target(to, msg);
    if (entry.inbox.tryPut(msg)) return;
    const s = signal === undefined ? this.#stop.signal : AbortSignal.any([this.#stop.signal, signal]);
    await entry.inbox.put(msg, s);
  }

  trySend(to: string, msg: Message): boolean {
    return this.#target(to, msg).inbox.tryPut(msg);
  }

  /** Delivers a copy of msg to every enabled module of the group, waiting for room in each inbox. */
  async sendToGroup(group: string, msg: Message): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped')
      throw this.#stoppedError('send to group', group);
    const members = [...this.#entries.values()].filter((e) => e.module.group === group);
    if (members.length === 0) {
      throw new KedgeError(
        'KEDGE_BUS_NO_MODULE',
        `no enabled module in group "${group}" (operation ${msg.route.operation}, resource ${msg.route.resource})`,
        { group, operation: msg.route.operation, resource: msg.route.resource },
      );
    }
    await Promise.all(members.map((e) => this.send(e.module.name, copyMessage(msg))));
  }

  /** Sends msg with header.sync = true and resolves with its reply; KEDGE_BUS_TIMEOUT after timeoutMs. */
  async sendSync(to: string, msg: Message, timeoutMs = DEFAULT_SYNC_TIMEOUT_MS): Promise<Message> {
    const entry = this.#target(to, msg);
    const request: Message = { ...msg, header: { ...msg.header, sync: true } };
    const id = request.header.msg_id;
    const reply = this.#waiters.wait(id);
    const deadline = new AbortController();
    const cancelTimer = new AbortController();
    this.#clock.sleep(timeoutMs, cancelTimer.signal).then(
      () => deadline.abort(timeoutError(to, request, timeoutMs)),
      () => undefined, // cancelled: the reply came or the send failed
    );
    const signal = AbortSignal.any([this.#stop.signal, deadline.signal]);
    try {
      await entry.inbox.put(request, signal);
      return await raceAbort(reply, signal);
    } finally {
      cancelTimer.abort();
      this.#waiters.forget(id);
    }
  }

  /** Hands reply to the sendSync caller waiting for its parent_msg_id; false when nobody waits. */
  sendResp(reply: Message): boolean {
    return this.#waiters.deliver(reply);
  }

  /** True while the module's start() is in flight (false while it waits to be restarted). */
  isRunning(name: string): boolean {
    return this.#entries.get(name)?.running ?? false;
  }

  #launch(entry: Entry): void {
    entry.task = superviseModule(entry, {
      bus: this,
      clock: this.#clock,
      busSignal: this.#stop.signal,
    }).finally(() => {
      entry.done = true;
    });
  }

  #target(to: string, msg: Message): Entry {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw this.#stoppedError('send', to);
    const entry = this.#entries.get(to);
    if (entry !== undefined) return entry;
    const why = this.#disabled.has(to) ? 'is disabled' : 'is not registered';
    throw new KedgeError(
      'KEDGE_BUS_NO_MODULE',
      `module "${to}" ${why} (operation ${msg.route.operation}, resource ${msg.route.resource})`,
      { module: to, operation: msg.route.operation, resource: msg.route.resource },
    );
  }

  async #doStop(timeoutMs: number): Promise<void> {
    this.#state = 'stopping';
    this.#log.info({ timeoutMs }, 'stopping module bus');
    this.#stop.abort(this.#stoppedError('stop'));
    const tasks = [...this.#entries.values()].flatMap((e) => (e.task === undefined ? [] : [e.task]));
    const cancelTimer = new AbortController();
    const allReturned = Promise.all(tasks).then(() => true);
    const timedOut = this.#clock.sleep(timeoutMs, cancelTimer.signal).then(
      () => false,
      () => true,
    );
    const clean = await Promise.race([allReturned, timedOut]);
    cancelTimer.abort();
    if (!clean) {
      for (const e of this.#entries.values()) {
        if (e.task !== undefined && !e.done) {
          e.log.error({ timeoutMs }, `module did not stop within ${timeoutMs} ms; leaving it behind`);
        }
      }
    }
    this.#state = 'stopped';
    this.#log.info('module bus stopped');
  }

  #stoppedError(operation: string, target?: string): KedgeError {
    const on = target === undefined ? '' : ` (${operation} "${target}")`;
    return new KedgeError('KEDGE_BUS_STOPPED', `the module bus is ${this.#state}${on}`, {
      operation,
      ...(target === undefined ? {} : { target }),
    });
  }
}

function copyMessage(msg: Message): Message {
  return { header: { ...msg.header }, route: { ...msg.route }, content: msg.content };
}

function timeoutError(to: string, msg: Message, timeoutMs: number): KedgeError {
  const { operation, resource } = msg.route;
  return new KedgeError(
    'KEDGE_BUS_TIMEOUT',
    `no reply from module "${to}" to ${operation} ${resource} within ${timeoutMs} ms`,
    { module: to, operation, resource, msgId: msg.header.msg_id, timeoutMs },
  );
}
