// A fleet's options, resolved once into a complete, frozen object: plain
// settings validated by one schema (every problem reported as `path: problem`)
// plus the parts that are code (credentials, task handler, clock, logger).
import { KedgeError, describeIssues, type Message } from '@kedge/api';
import { nodeToken } from '@kedge/tokens';
import { createLogger, systemClock, type Clock, type Logger } from '@kedge/runtime';
import { z } from 'zod';

/** What a task handler sees of the hollow node that got the task (a HollowNode). */
export interface TaskNode {
  readonly name: string;
  /** The edgecore version the node registered with. */
  readonly edgecoreVersion: string;
}

/** Runs a cloud message of group `taskmanager`; the returned messages are sent as sync reports. */
export type TaskHandler = (node: TaskNode, msg: Message) => Message[] | Promise<Message[]>;

/** Sees every cloud resource message a node acked, with the size of its frame (benchmarks record receipt). */
type ResourceObserver = (node: TaskNode, msg: Message, frameBytes: number) => void;

const ms = (what: string) => z.number().int().positive().describe(`${what} (ms)`);

export const FleetSettingsSchema = z.strictObject({
  server: z.string().min(1).describe('cloudcore tunnel address, host:port or ws(s)://host:port'),
  nodes: z.number().int().positive().describe('hollow nodes in this fleet'),
  prefix: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase DNS name prefix')
    .describe('node names are <prefix>-<index>'),
  firstIndex: z
    .number()
    .int()
    .nonnegative()
    .describe('index of the first node (to split a fleet over processes)'),
  projectId: z.string().min(1).describe('sent as the project_id header'),
  edgecoreVersion: z.string().min(1).describe('version the nodes claim'),
  labels: z.record(z.string(), z.string()).describe('extra labels every node registers with'),
  heartbeatMs: ms('keepalive interval'),
  handshakeTimeoutMs: ms('dial + register must finish within this'),
  rampConcurrency: z.number().int().positive().describe('handshakes in flight at once'),
  startSpreadMs: z.number().int().nonnegative().describe('spread the first dial of the nodes over this long'),
  reconnectInitialMs: ms('first reconnect delay'),
  reconnectMaxMs: ms('longest reconnect delay'),
  resendAfterMs: ms('resend an unacknowledged report after this long'),
  maxMessageBytes: z.number().int().positive().describe('largest frame accepted'),
  tickMs: ms('timer wheel resolution'),
  instantPods: z
    .boolean()
    .describe('run a hollow edged: report every pod Running the moment it arrives (hollow-pods.ts)'),
  protocol: z
    .enum(['kedge', 'raw'])
    .describe('kedge: register and speak the tunnel protocol; raw: connect and send keepalive frames only'),
});

export type FleetSettings = z.infer<typeof FleetSettingsSchema>;

export const DEFAULT_FLEET_SETTINGS: Omit<FleetSettings, 'server'> = Object.freeze({
  nodes: 1000,
  prefix: 'hollow',
  firstIndex: 0,
  projectId: 'e632aba927ea4ac2b575ec1603d56f10',
  edgecoreVersion: 'v1.21.0-hollow',
  labels: {},
  heartbeatMs: 15_000,
  handshakeTimeoutMs: 30_000,
  rampConcurrency: 200,
  startSpreadMs: 0,
  reconnectInitialMs: 1_000,
  reconnectMaxMs: 30_000,
  resendAfterMs: 10_000,
  maxMessageBytes: 1_048_576,
  tickMs: 25,
  instantPods: false,
  protocol: 'kedge',
});

export interface HollowFleetOptions extends Partial<Omit<FleetSettings, 'server'>> {
  server: string;
  /** The cloud's token secret (modules.cloudHub.auth.tokenSecretFile); each node derives its token. */
  secret?: string | Buffer;
  /** Or the token of each node, e.g. for a fleet that must present wrong credentials. */
  tokenFor?: (nodeName: string) => string;
  /** CA to verify the cloud's certificate against, for wss:// (modules.edgeHub.tlsCaFile). */
  ca?: string | Buffer;
  /** Certificates mode: each node's client certificate (fleet-certs.ts); no token is sent then. */
  clientCertFor?: (nodeName: string) => { cert: string; key: string } | undefined;
  onTask?: TaskHandler;
  onResource?: ResourceObserver;
  clock?: Clock;
  log?: Logger;
}

export interface ResolvedFleetOptions extends Readonly<FleetSettings> {
  readonly tokenFor: (nodeName: string) => string;
  readonly ca: string | Buffer | undefined;
  readonly clientCertFor: ((nodeName: string) => { cert: string; key: string } | undefined) | undefined;
  readonly onTask: TaskHandler | undefined;
  readonly onResource: ResourceObserver | undefined;
  readonly clock: Clock;
  readonly log: Logger;
}

export function resolveFleetOptions(o: HollowFleetOptions): ResolvedFleetOptions {
  const { secret, tokenFor, ca, clientCertFor, onTask, onResource, clock, log, ...settings } = o;
  const parsed = FleetSettingsSchema.safeParse({ ...DEFAULT_FLEET_SETTINGS, ...stripUndefined(settings) });
  const problems = parsed.success ? [] : describeIssues(parsed.error);
  if (parsed.success && parsed.data.reconnectMaxMs < parsed.data.reconnectInitialMs) {
    problems.push(`reconnectMaxMs: must be >= reconnectInitialMs (${parsed.data.reconnectInitialMs})`);
  }
  if (secret === undefined && tokenFor === undefined) problems.push('secret: required (or tokenFor)');
  if (!parsed.success || problems.length > 0) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `invalid hollow fleet options: ${problems.join('; ')}`, {
      fields: problems.map((p) => p.slice(0, p.indexOf(':'))),
    });
  }
  const derive = tokenFor ?? ((name: string) => nodeToken(secret!, name));
  return Object.freeze({
    ...parsed.data,
    labels: Object.freeze({ ...parsed.data.labels }),
    tokenFor: derive,
    ca,
    clientCertFor,
    onTask,
    onResource,
    clock: clock ?? systemClock,
    log: log ?? createLogger({ name: 'edgemark', level: 'warn' }),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
