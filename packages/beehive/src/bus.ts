// The in-process message bus, after KubeEdge's beehive: every enabled module
// has one bounded inbox, addressed by module name or by group. Sends wait
// while an inbox is full (nothing is dropped), sync sends wait for the reply
// whose parent_msg_id is the request's msg_id. The modules are @kedge/runtime
// Services: started in registration order, stopped in exactly the reverse
// order (each within stopBoundMs), as every long-running part of kedge.
import { KedgeError, type Message } from '@kedge/api';
import {
  raceAbort,
  startServices,
  systemClock,
  type Clock,
  type Logger,
  type Service,
  type StartedServices,
} from '@kedge/runtime';
import { checkInboxCapacity, Inbox } from './inbox.ts';
import type { Module, ModuleBus } from './module.ts';
import { superviseModule, type SupervisedModule } from './module-supervisor.ts';
import { SyncWaiters } from './sync-waiters.ts';

export interface BusOptions {
  log: Logger;
  clock?: Clock;
  /** Messages each inbox holds before senders wait; default 1024. */
  inboxCapacity?: number;
  /** How long stop() waits for one module to return; default 10 s. */
  stopBoundMs?: number;
}

export type BusState = 'new' | 'running' | 'stopping' | 'stopped';

interface Entry extends SupervisedModule {
  /** Aborted (with KEDGE_BUS_STOPPED) when this module's turn to stop comes. */
  readonly stop: AbortController;
}

const DEFAULT_SYNC_TIMEOUT_MS = 30_000;

export class Bus implements ModuleBus {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #stopBoundMs: number | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #disabled = new Map<string, Module>();
  readonly #waiters = new SyncWaiters();
  readonly #stop = new AbortController();
  #state: BusState = 'new';
  #started?: StartedServices;
  #stopped?: Promise<void>;

  constructor(options: BusOptions) {
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#capacity = options.inboxCapacity ?? 1024;
    this.#stopBoundMs = options.stopBoundMs;
    checkInboxCapacity(this.#capacity);
  }

  get state(): BusState {
    return this.#state;
  }

  /** Records a module, before start(). Enabled ones get an inbox at once (messages may queue before start). */
  register(module: Module): void {
    const { name } = module;
    if (this.#entries.has(name) || this.#disabled.has(name)) {
      throw new KedgeError('KEDGE_INTERNAL', `module "${name}" is already registered`, { module: name });
    }
    if (this.#state === 'stopping' || this.#state === 'stopped') throw this.#stoppedError('register', name);
    if (this.#state === 'running') {
      // The start order is the registration order; a module added later would have no place in it.
      throw new KedgeError('KEDGE_INTERNAL', `module "${name}" registered after the bus started`, {
        module: name,
      });
    }
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
      stop: new AbortController(),
    };
    this.#entries.set(name, entry);
  }

  /**
   * Starts every enabled module in registration order, each in its own async task (a module is
   * started once start() was called on it; the bus does not wait for it to return).
   */
  async start(): Promise<void> {
    if (this.#state === 'running') return;
    if (this.#state !== 'new') throw this.#stoppedError('start');
    this.#state = 'running';
    const services = [...this.#entries.values()].map((e) => this.#service(e));
    this.#started = await startServices(services, {
      log: this.#log,
      clock: this.#clock,
      ...(this.#stopBoundMs === undefined ? {} : { stopBoundMs: this.#stopBoundMs }),
    });
  }

  /**
   * Stops the modules in the reverse of their start order: aborts one module's signal, waits for
   * it to return (at most stopBoundMs, then it is logged and left behind), then the one before.
   * Idempotent: every call resolves once the bus has stopped.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#doStop();
    return this.#stopped;
  }

  async send(to: string, msg: Message, signal?: AbortSignal): Promise<void> {
    const entry = this.#target(to, msg);
    if (entry.inbox.tryPut(msg)) return;
    const stops = [this.#stop.signal, entry.stop.signal];
    await entry.inbox.put(msg, AbortSignal.any(signal === undefined ? stops : [...stops, signal]));
  }

  trySend(to: string, msg: Message): boolean {
    return this.#target(to, msg).inbox.tryPut(msg);
  }

  /** Delivers a copy of msg to every enabled module of the group, waiting for room in each inbox. */
  async sendToGroup(group: string, msg: Message): Promise<void> {
    if (this.#state === 'stopped') throw this.#stoppedError('send to group', group);
    const members = [...this.#entries.values()].filter(
      (e) => e.module.group === group && !e.stop.signal.aborted,
    );
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
    const signal = AbortSignal.any([this.#stop.signal, entry.stop.signal, deadline.signal]);
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

  /** The module as a Service: started once run() is called, supervised until its turn to stop. */
  #service(entry: Entry): Service {
    return {
      name: entry.module.name,
      run: (signal, ready) => {
        const name = entry.module.name;
        const stopped = (): void => entry.stop.abort(this.#stoppedError('stop', name));
        if (signal.aborted) stopped();
        else signal.addEventListener('abort', stopped, { once: true });
        ready();
        return superviseModule(entry, { bus: this, clock: this.#clock, busSignal: entry.stop.signal });
      },
    };
  }

  #target(to: string, msg: Message): Entry {
    if (this.#state === 'stopped') throw this.#stoppedError('send', to);
    const entry = this.#entries.get(to);
    // While the bus stops, the modules not stopped yet still reach each other.
    if (entry?.stop.signal.aborted || (entry === undefined && this.#state === 'stopping')) {
      throw this.#stoppedError('send', to);
    }
    if (entry !== undefined) return entry;
    const why = this.#disabled.has(to) ? 'is disabled' : 'is not registered';
    throw new KedgeError(
      'KEDGE_BUS_NO_MODULE',
      `module "${to}" ${why} (operation ${msg.route.operation}, resource ${msg.route.resource})`,
      { module: to, operation: msg.route.operation, resource: msg.route.resource },
    );
  }

  async #doStop(): Promise<void> {
    this.#state = 'stopping';
    this.#log.info('stopping module bus');
    await this.#started?.stop();
    this.#state = 'stopped';
    this.#stop.abort(this.#stoppedError('stop'));
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
