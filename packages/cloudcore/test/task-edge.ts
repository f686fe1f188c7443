// Test edge for node-task integration tests: a raw WebSocket client that
// registers like edgecore, records what the cloud sends and reports action
// results the way the edge task manager does (sync UpdateNodeActionStatus,
// answered by the cloud once durable). It runs no actions itself: tests
// script its answers.
import {
  NodeTaskRequestSchema,
  Operations,
  newMessage,
  parseNodeTaskResource,
  rfc3339,
  type Message,
} from '@kedge/api';
import { WebSocket, type RawData } from 'ws';
import { nodeToken } from '@kedge/tokens';

export interface ReportInput {
  /** An action name (ours or KubeEdge's spelling; tests also send unknown ones). */
  action: string;
  succ: boolean;
  reason?: string;
  extend?: string;
  finishTime?: string;
  /** Defaults to the uid of the last task received for the resource; null = leave out. */
  jobUid?: string | null;
}

export interface ReceivedTask {
  msg: Message;
  resource: string;
  job: string;
  jobUid: string;
  spec: Record<string, unknown>;
}

/** Called for every task message; may report (e.g. the whole flow) through the edge. */
export type TaskScript = (edge: TaskEdge, task: ReceivedTask) => Promise<void> | void;

export class TaskEdge {
  readonly nodeName: string;
  readonly received: Message[] = [];
  /** Errors thrown by the script (tests assert there are none). */
  readonly scriptErrors: unknown[] = [];
  private readonly ws: WebSocket;
  private readonly uids = new Map<string, string>();
  private readonly waiters = new Map<string, (reply: Message) => void>();
  script: TaskScript | undefined;

  private constructor(ws: WebSocket, nodeName: string) {
    this.ws = ws;
    this.nodeName = nodeName;
    ws.on('message', (data: RawData) => this.onMessage(JSON.parse(rawText(data)) as Message));
  }

  /** Connects and registers; resolves once the cloud answered the register. */
  static async connect(
    port: number,
    nodeName: string,
    secret: string,
    script?: TaskScript,
  ): Promise<TaskEdge> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/p/${nodeName}/events`, {
      headers: { node_id: nodeName, project_id: 'p', authorization: `Bearer ${nodeToken(secret, nodeName)}` },
    });
    const edge = new TaskEdge(ws, nodeName);
    edge.script = script;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const register = newMessage({
      source: 'websocket',
      group: 'resource',
      operation: Operations.insert,
      resource: `null/node/${nodeName}`,
      content: { edgecoreVersion: 'v1.0.0' },
      sync: true,
    });
    await edge.request(register);
    return edge;
  }

  /** Task messages received so far (operation = the flow's first action). */
  tasks(): ReceivedTask[] {
    return this.received
      .filter((m) => m.route.group === 'taskmanager' && m.route.operation === 'Check')
      .map(toTask);
  }

  confirms(): Message[] {
    return this.received.filter((m) => m.route.operation === 'Confirm');
  }

  /** Sends a report for the node's own entry of the job; resolves with the cloud's reply. */
  async report(taskType: string, job: string, input: ReportInput, node = this.nodeName): Promise<Message> {
    const resource = `operations.kubeedge.io/v1alpha2/${taskType}/${job}/node/${node}`;
    const jobUid = input.jobUid === null ? undefined : (input.jobUid ?? this.uids.get(resource));
    const msg = newMessage({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: Operations.updateNodeActionStatus,
      resource,
      sync: true,
      content: {
        action: input.action,
        succ: input.succ,
        finishTime: input.finishTime ?? rfc3339(),
        reason: input.reason ?? '',
        extend: input.extend ?? '',
        ...(jobUid !== undefined ? { jobUid } : {}),
      },
    });
    return this.request(msg);
  }

  /** Sends a raw message and waits for the reply to it. */
  request(msg: Message, timeoutMs = 15_000): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(msg.header.msg_id);
        reject(new Error(`${this.nodeName}: no reply to ${msg.route.operation} ${msg.route.resource}`));
      }, timeoutMs);
      this.waiters.set(msg.header.msg_id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.ws.send(JSON.stringify(msg));
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private onMessage(msg: Message): void {
    this.received.push(msg);
    const parent = msg.header.parent_msg_id;
    const waiter = parent === undefined ? undefined : this.waiters.get(parent);
    if (waiter && parent !== undefined) {
      this.waiters.delete(parent);
      waiter(msg);
      return;
    }
    if (msg.route.group === 'taskmanager' && msg.route.operation === 'Check') {
      const task = toTask(msg);
      this.uids.set(task.resource, task.jobUid);
      const script = this.script;
      if (script) {
        Promise.resolve(script(this, task)).catch((err: unknown) => this.scriptErrors.push(err));
      }
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function toTask(msg: Message): ReceivedTask {
  const route = parseNodeTaskResource(msg.route.resource);
  const content = NodeTaskRequestSchema.parse(msg.content);
  return {
    msg,
    resource: msg.route.resource,
    job: route?.job ?? '',
    jobUid: content.jobUid,
    spec: content.spec,
  };
}

/** A script that reports `steps` in order for every task it gets, `delayMs` apart; errors if one is refused. */
export function reportFlow(steps: ReportInput[], delayMs = 10): TaskScript {
  return async (edge, task) => {
    const route = parseNodeTaskResource(task.resource);
    if (!route) throw new Error(`bad task resource ${task.resource}`);
    for (const step of steps) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const reply = await edge.report(route.taskType, route.job, step);
      if (reply.route.operation !== Operations.response) {
        throw new Error(`${edge.nodeName}: ${step.action} refused: ${JSON.stringify(reply.content)}`);
      }
    }
  };
}

/** Check then PrePull, both successful. */
export const PREPULL_OK: ReportInput[] = [
  { action: 'Check', succ: true },
  { action: 'PrePull', succ: true, extend: JSON.stringify([{ image: 'nginx:1.27', status: 'True' }]) },
];
