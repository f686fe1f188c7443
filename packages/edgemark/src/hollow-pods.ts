// The edged of a hollow node: it "starts" a pod the moment the pod arrives
// and reports it the way edged does once the sandbox and every container run
// (a sync `update` of `<ns>/podstatus/<name>` from `edged`, content
// {UID, Name, Status}, the status built in kubelet's shape: phase Running,
// Initialized / Ready / ContainersReady / PodScheduled True, one running and
// ready containerStatus per container, podIP, hostIP, startTime). A pod
// marked for deletion is reported with every container terminated, so the
// cloud finishes the deletion as it does for a real node. One status per pod
// incarnation (UID) and state: a re-sent object costs no second report.
import {
  EdgeModules,
  Operations,
  ResourceTypes,
  edgeResource,
  newMessage,
  parseEdgeResource,
  rfc3339,
  type Message,
  type ObjectAckContent,
  type PodStatus,
} from '@kedge/api';

/** The parts of a Pod the hollow edged reads (the cloud sends the whole object). */
interface PodContent {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; deletionTimestamp?: string };
  spec?: { containers?: { name?: string; image?: string }[] };
}

export type PodState = 'running' | 'terminated';

/** What edgecore's metaManager answers once it holds a cloud object message (ObjectAckContent). */
export function objectAck(msg: Message): ObjectAckContent {
  const meta = (msg.content as PodContent | null | undefined)?.metadata;
  const deleted = msg.route.operation === Operations.delete;
  return {
    status: 'OK',
    objectUID: meta?.uid ?? '',
    objectResourceVersion: deleted ? '' : msg.header.resourceversion || meta?.resourceVersion || '',
    outcome: deleted ? 'deleted' : 'applied',
  };
}

/** The pod IP of a node's n-th pod: 100.64.0.0/10 (shared address space), never routed anywhere. */
export function hollowPodIP(nodeIndex: number, seq: number): string {
  const n = 0x64400000 + (((nodeIndex * 256 + (seq % 256)) >>> 0) % 0x400000);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function hollowPodStatus(
  pod: PodContent,
  o: { hostIP: string; podIP: string; now: number; state: PodState; startTime?: string },
): PodStatus {
  const at = rfc3339(new Date(o.now));
  const running = o.state === 'running';
  const cond = (type: string, ok: boolean) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: at,
  });
  const started = o.startTime ?? at;
  const containers = pod.spec?.containers ?? [];
  return {
    phase: running ? 'Running' : 'Succeeded',
    conditions: [
      cond('Initialized', true),
      cond('Ready', running),
      cond('ContainersReady', running),
      cond('PodScheduled', true),
    ],
    hostIP: o.hostIP,
    hostIPs: [{ ip: o.hostIP }],
    podIP: o.podIP,
    podIPs: [{ ip: o.podIP }],
    startTime: started,
    containerStatuses: containers.map((c, i) => ({
      name: c.name ?? `c${i}`,
      state: running
        ? { running: { startedAt: started } }
        : { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: at } },
      lastState: {},
      ready: running,
      started: running,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      containerID: `containerd://hollow-${pod.metadata?.uid ?? ''}-${i}`,
    })),
  } as PodStatus;
}

function statusReport(resource: string, pod: PodContent, status: PodStatus, now: number): Message {
  return newMessage({
    source: EdgeModules.edged,
    group: 'resource',
    operation: Operations.update,
    resource,
    content: { UID: pod.metadata?.uid ?? '', Name: pod.metadata?.name ?? '', Status: status },
    sync: true,
    now,
  });
}

/** One hollow node's pods, by UID: what was reported for each. */
export class HollowPods {
  readonly #hostIP: string;
  readonly #nodeIndex: number;
  readonly #pods = new Map<string, { state: PodState; podIP: string; startTime: string }>();
  #seq = 0;

  constructor(nodeIndex: number, hostIP: string) {
    this.#nodeIndex = nodeIndex;
    this.#hostIP = hostIP;
  }

  /** Pods this node holds. */
  get size(): number {
    return this.#pods.size;
  }

  /** A cloud object message (already acked): the status report it causes, if any. */
  onObject(msg: Message, now: number): { report: Message; state: PodState } | undefined {
    const res = parseEdgeResource(msg.route.resource);
    if (res?.type !== ResourceTypes.pod || !res.name) return undefined;
    const pod = (msg.content ?? {}) as PodContent;
    const uid = pod.metadata?.uid ?? '';
    if (msg.route.operation === Operations.delete) {
      this.#pods.delete(uid);
      return undefined;
    }
    const state: PodState = pod.metadata?.deletionTimestamp ? 'terminated' : 'running';
    const known = this.#pods.get(uid);
    // Reported already, or a late update of a pod already stopped: nothing new to say.
    if (known && (known.state === state || known.state === 'terminated')) return undefined;
    const entry = known ?? {
      state,
      podIP: hollowPodIP(this.#nodeIndex, this.#seq++),
      startTime: rfc3339(new Date(now)),
    };
    entry.state = state;
    this.#pods.set(uid, entry);
    const status = hollowPodStatus(pod, { hostIP: this.#hostIP, ...entry, now });
    const target = edgeResource(res.namespace, ResourceTypes.podstatus, res.name);
    return { report: statusReport(target, pod, status, now), state };
  }
}
