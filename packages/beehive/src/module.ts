// The module contract, after KubeEdge's beehive: a named member of a group
// that runs until its signal aborts and talks to others only through the bus.
import type { Message } from '@kedge/api';
import type { Logger } from '@kedge/runtime';

/**
 * Always: restart whenever start() returns or throws while the bus is running.
 * OnFailure: restart only when start() throws; a clean return means the module is done.
 * Never: never restart.
 */
type RestartPolicyKind = 'Always' | 'OnFailure' | 'Never';

export interface RestartPolicy {
  kind: RestartPolicyKind;
  /** Restarts allowed after the first run; unlimited when absent. */
  maxRetries?: number;
  /** First restart delay; default 1000 ms. Doubles per restart. */
  initialDelayMs?: number;
  /** Cap on the restart delay; default 30000 ms. */
  maxDelayMs?: number;
}

/** What a module may do with the bus (the Bus class implements it; modules never register or stop it). */
export interface ModuleBus {
  /** Puts msg in the module's inbox, waiting for room until the bus stops or signal aborts. */
  send(to: string, msg: Message, signal?: AbortSignal): Promise<void>;
  /** Puts msg in the module's inbox if there is room now; false when it is full. */
  trySend(to: string, msg: Message): boolean;
  /** Delivers a copy of msg to every enabled module of the group. */
  sendToGroup(group: string, msg: Message): Promise<void>;
  /** Sends msg with header.sync = true and resolves with its reply; KEDGE_BUS_TIMEOUT after timeoutMs. */
  sendSync(to: string, msg: Message, timeoutMs?: number): Promise<Message>;
  /** Hands reply to the sendSync caller waiting for its parent_msg_id; false when nobody waits. */
  sendResp(reply: Message): boolean;
  /** True while the module's start() is in flight. */
  isRunning(name: string): boolean;
}

export interface ModuleContext {
  readonly bus: ModuleBus;
  /** Aborted when the bus stops (and when this run of the module has ended). */
  readonly signal: AbortSignal;
  /** The bus logger's child with { module: name }. */
  readonly log: Logger;
  /** Next message in this module's inbox; rejects with KEDGE_BUS_STOPPED once the signal aborts. */
  receive(): Promise<Message>;
  /** Next message if one is queued, without waiting. */
  tryReceive(): Message | undefined;
}

export interface Module {
  readonly name: string;
  readonly group: string;
  readonly enabled: boolean;
  /** Default { kind: 'OnFailure' }. */
  readonly restartPolicy?: RestartPolicy;
  /** Runs until ctx.signal aborts; resolving early = exit, throwing = failure. */
  start(ctx: ModuleContext): Promise<void>;
}

export const DEFAULT_RESTART_POLICY: Readonly<Required<Omit<RestartPolicy, 'maxRetries'>>> = Object.freeze({
  kind: 'OnFailure',
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
});
