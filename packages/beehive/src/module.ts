// The module contract, after KubeEdge's beehive: a named member of a group
// that runs until its signal aborts and talks to others only through the bus.
import type { Message } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { Bus } from './bus.ts';

export const RESTART_POLICY_KINDS = {
  /** Restart whenever start() returns or throws while the bus is running. */
  Always: 'Always',
  /** Restart only when start() throws; a clean return means the module is done. */
  OnFailure: 'OnFailure',
  /** Never restart. */
  Never: 'Never',
} as const;

export type RestartPolicyKind = (typeof RESTART_POLICY_KINDS)[keyof typeof RESTART_POLICY_KINDS];

export interface RestartPolicy {
  kind: RestartPolicyKind;
  /** Restarts allowed after the first run; unlimited when absent. */
  maxRetries?: number;
  /** First restart delay; default 1000 ms. Doubles per restart. */
  initialDelayMs?: number;
  /** Cap on the restart delay; default 30000 ms. */
  maxDelayMs?: number;
}

export interface ModuleContext {
  readonly bus: Bus;
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
