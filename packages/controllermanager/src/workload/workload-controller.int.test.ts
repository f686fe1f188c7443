// The workload controller on the real embedded SQLite store: three Ready
// edge nodes (Node objects, no real edge), an edged stand-in that reports
// bound pods Ready through the status subresource, a Deployment of 3 that
// goes Available, rolls an image change within its bounds, and replaces
// the pods of a deleted node elsewhere.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPodReady, rfc3339, type Deployment, type Pod } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { createInformer, createObserved, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { makeNode } from '../../test/cm-harness.ts';
import { isPodActive } from './rollout-math.ts';
import { podTemplateHash } from './template-hash.ts';
import { WorkloadController } from './workload-controller.ts';

/** Short, so that the NotReady test sees an eviction; long enough to see the pod stay first. */
const NOT_READY_GRACE_MS = 1500;
const log = createLogger({ name: 'workload-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
let dir: TempDir;
let store: ResourceStore;
let controllerStore: ResourceStore;
let abort: AbortController;
let running: Promise<unknown>[];

const open = (): ResourceStore =>
  openSqliteStore({ path: join(dir.path, 'kedge.db'), clock: systemClock, pollIntervalMs: 5 });

beforeEach(async () => {
  dir = await tempDir('kedge-workload-');
  store = open();
  controllerStore = open();
  abort = new AbortController();
  running = [];
  for (const name of ['edge-1', 'edge-2', 'edge-3']) {
    const node = makeNode(name);
    node.status = {
      ...node.status,
      allocatable: { cpu: '2', memory: '1Gi', pods: '110' },
    } as typeof node.status;
    await createObserved(store, 'Node', node);
  }
  const controller = new WorkloadController({
    store: controllerStore,
    clock: systemClock,
    log,
    notReadyGraceMs: NOT_READY_GRACE_MS,
    evictionCheckMs: 100,
  });
  running.push(controller.run(abort.signal));
});

afterEach(async () => {
  abort.abort();
  await Promise.allSettled(running);
  await controllerStore.close();
  await store.close();
  await dir.cleanup();
});

/** What edged reports for a pod it started: Running, Ready, one container status. */
async function reportRunning(pod: Pod): Promise<void> {
  const now = rfc3339();
  await mutate(
    store,
    'Pod',
    pod.metadata.name,
    (p) => {
      if (!p.spec.nodeName || isPodReady(p)) return undefined;
      const c = p.spec.containers[0]!;
      const kept = (p.status?.conditions ?? []).filter((x) => x.type === 'PodScheduled');
      const ready = (type: string) => ({ type, status: 'True' as const, lastTransitionTime: now });
      p.status = {
        ...p.status,
        phase: 'Running',
        conditions: [...kept, ready('Initialized'), ready('ContainersReady'), ready('Ready')],
        containerStatuses: [
          {
            name: c.name,
            image: c.image,
            imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
            containerID: `containerd://${p.metadata.uid ?? ''}`,
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          },
        ],
        podIP: '10.244.0.10',
        podIPs: [{ ip: '10.244.0.10' }],
        hostIP: '127.0.0.1',
        startTime: now,
      };
      return p;
    },
    { status: true, namespace: 'default' },
  );
}

/** An edged for every node: reports each bound pod Running and Ready. Tracks pod and ready counts per event. */
function startEdged(): {
  maxPods: () => number;
  minReady: () => number;
  readyNow: () => number;
  reset: () => void;
} {
  let maxPods = 0;
  let minReady = Infinity;
  const pods = createInformer(store, 'Pod', {
    signal: abort.signal,
    log,
    onEvent: (e) => {
      const active = pods.list().filter((p) => p.metadata.labels?.['app'] === 'web' && isPodActive(p));
      maxPods = Math.max(maxPods, active.length);
      minReady = Math.min(minReady, active.filter(isPodReady).length);
      if (e.type !== 'DELETED' && e.object.spec.nodeName && !isPodReady(e.object)) {
        running.push(reportRunning(e.object).catch(() => undefined));
      }
    },
  });
  return {
    maxPods: () => maxPods,
    minReady: () => minReady,
    readyNow: () => pods.list().filter((p) => isPodActive(p) && isPodReady(p)).length,
    reset: () => {
      maxPods = 0;
      minReady = Infinity;
    },
  };
}

function webDeployment(image: string, replicas = 3): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'web', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
        },
      },
    },
  };
}

async function waitForDeployment(test: (d: Deployment) => boolean, what: string): Promise<Deployment> {
  return waitFor(
    async () => {
      const d = await store.get('Deployment', 'web', 'default');
      return d && test(d) ? d : undefined;
    },
    { what: `Deployment web: ${what}`, timeoutMs: 15_000, intervalMs: 20 },
  );
}

async function webPods(): Promise<Pod[]> {
  const all = (await store.list('Pod', { namespace: 'default' })).items;
  return all.filter((p) => p.metadata.labels?.['app'] === 'web');
}

const settled = (generation: number) => (d: Deployment) =>
  d.status?.observedGeneration === generation &&
  d.status.replicas === 3 &&
  d.status.updatedReplicas === 3 &&
  d.status.readyReplicas === 3 &&
  d.status.availableReplicas === 3;

describe('workload controller on the embedded store', () => {
  it('runs a Deployment of 3 over 3 nodes, rolls an image change within its bounds, and replaces a deleted node’s pods', async () => {
    const edged = startEdged();
    const created = await store.create('Deployment', webDeployment('web:1'));

    const first = await waitForDeployment(settled(1), '3 ready, available and up to date');
    expect(first.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    const [rs1, ...more] = (await store.list('ReplicaSet', { namespace: 'default' })).items;
    expect(more).toEqual([]);
    expect(rs1?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        uid: created.metadata.uid,
        controller: true,
      }),
    ]);
    expect(rs1?.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const pods = await webPods();
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', uid: rs1?.metadata.uid });
      expect(p.metadata.labels?.['pod-template-hash']).toBe(rs1?.metadata.labels?.['pod-template-hash']);
      expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    }
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(['edge-1', 'edge-2', 'edge-3']));

    // image change: a rolling update with maxSurge 1, maxUnavailable 0 (counted from the
    // moment the edged's own cache has all 3 Ready)
    await waitFor(() => edged.readyNow() === 3, { what: 'edged cache caught up' });
    expect(edged.maxPods()).toBe(3); // never a pod too many, even while the caches lagged
    edged.reset();
    await mutate(
      store,
      'Deployment',
      'web',
      (d) => {
        d.spec.template.spec.containers[0]!.image = 'web:2';
        return d;
      },
      { namespace: 'default' },
    );
    await waitForDeployment(settled(2), 'rolled to web:2');
    await waitFor(async () => (await webPods()).length === 3, { what: 'old pods gone' });
    const rolled = await webPods();
    expect(rolled.map((p) => p.spec.containers[0]?.image)).toEqual(['web:2', 'web:2', 'web:2']);
    expect(edged.maxPods()).toBeLessThanOrEqual(4);
    expect(edged.minReady()).toBeGreaterThanOrEqual(3);
    const sets = (await store.list('ReplicaSet', { namespace: 'default' })).items;
    expect(sets.map((s) => [s.metadata.name === rs1?.metadata.name, s.spec.replicas]).sort()).toEqual([
      [false, 3],
      [true, 0],
    ]);

    // a node goes away: its pod is replaced on the others
    const victim = rolled[0]!.spec.nodeName!;
    await store.delete('Node', victim);
    await waitFor(
      async () => {
        const now = (await webPods()).filter(isPodActive);
        return now.length === 3 && now.every((p) => p.spec.nodeName !== victim && isPodReady(p));
      },
      { what: `pods off ${victim}`, timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(
      (await webPods()).map((p) => p.metadata.name).filter((n) => n === rolled[0]!.metadata.name),
    ).toEqual([]);
    await waitForDeployment(settled(2), 'whole again after the node loss');

    // what `kedgectl describe` shows: the events of each step, from the components Kubernetes names
    const events = (await store.list('Event', { namespace: 'default' })).items;
    const seen = (kind: string, reason: string, text: string) =>
      events.some(
        (e) => e.involvedObject.kind === kind && e.reason === reason && (e.message ?? '').includes(text),
      );
    expect(seen('Deployment', 'ScalingReplicaSet', `Scaled up replica set ${rs1?.metadata.name} to 3`)).toBe(
      true,
    );
    expect(
      seen('Deployment', 'ScalingReplicaSet', `Scaled down replica set ${rs1?.metadata.name} to 0 from 1`),
    ).toBe(true);
    expect(seen('ReplicaSet', 'SuccessfulCreate', 'Created pod: ')).toBe(true);
    expect(seen('ReplicaSet', 'SuccessfulDelete', 'Deleted pod: ')).toBe(true);
    expect(
      seen('Pod', 'Scheduled', `Successfully assigned default/${rolled[0]!.metadata.name} to ${victim}`),
    ).toBe(true);
    expect(seen('Pod', 'TaintManagerEviction', `node ${victim} was deleted`)).toBe(true);
  });

  it('places pods while a ReplicaSet of 300 is still creating them, not after the whole batch', async () => {
    const watch = new AbortController();
    const order: ('created' | 'bound')[] = [];
    const bound = new Set<string>();
    const following = (async () => {
      for await (const e of store.watch('Pod', { namespace: 'default', signal: watch.signal })) {
        if (e.type === 'ADDED') order.push('created');
        else if (e.type === 'MODIFIED' && e.object.spec.nodeName && !bound.has(e.object.metadata.name)) {
          bound.add(e.object.metadata.name);
          order.push('bound');
        }
      }
    })().catch(() => undefined);
    const bulk = webDeployment('web:1', 300);
    bulk.metadata.name = 'bulk';
    bulk.spec.template.spec.containers[0]!.resources = {};
    await store.create('Deployment', bulk);
    await waitFor(() => bound.size === 300, { what: '300 pods bound', timeoutMs: 90_000, intervalMs: 50 });
    watch.abort();
    await following;
    expect(order.filter((x) => x === 'created')).toHaveLength(300);
    // The informers and placement ran while the ReplicaSet was still creating.
    expect(order.indexOf('bound')).toBeLessThan(order.lastIndexOf('created'));
  }, 120_000);

  it('replaces the pod of a node NotReady past the grace period, not before, and not onto that node', async () => {
    startEdged();
    await store.create('Deployment', webDeployment('web:1'));
    await waitForDeployment(settled(1), 'running');
    const [victim] = await webPods();
    const nodeName = victim!.spec.nodeName!;
    await mutate(
      store,
      'Node',
      nodeName,
      (n) => {
        n.status = {
          ...n.status,
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339() }],
        };
        return n;
      },
      { status: true },
    );
    await new Promise((resolve) => setTimeout(resolve, NOT_READY_GRACE_MS / 3));
    expect((await store.get('Pod', victim!.metadata.name, 'default'))?.spec.nodeName).toBe(nodeName);
    await waitFor(
      async () => {
        const now = (await webPods()).filter(isPodActive);
        return now.length === 3 && now.every((p) => p.spec.nodeName !== nodeName && isPodReady(p));
      },
      { what: `pods off NotReady ${nodeName}`, timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(await store.get('Pod', victim!.metadata.name, 'default')).toBeUndefined();
  });

  it('marks a pod that fits no node PodScheduled=False Unschedulable with the scheduler message', async () => {
    const d = webDeployment('web:1', 1);
    d.spec.template.spec.containers[0]!.resources = { requests: { memory: '2Gi' } };
    await store.create('Deployment', d);
    const pod = await waitFor(
      async () => {
        const [p] = await webPods();
        const c = p?.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' ? { p, c } : undefined;
      },
      { what: 'an unschedulable pod', timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(pod.c).toMatchObject({
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient memory.',
    });
    expect(pod.p?.spec.nodeName).toBeUndefined();
    // The Event is a write of its own after the pod's status: wait for it too.
    const failed = await waitFor(
      async () => {
        const events = (await store.list('Event', { namespace: 'default' })).items;
        const found = events.filter((e) => e.reason === 'FailedScheduling');
        return found.length > 0 ? found : undefined;
      },
      { what: 'the FailedScheduling event', timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(failed).toEqual([
      expect.objectContaining({
        type: 'Warning',
        message: '0/3 nodes are available: 3 Insufficient memory.',
        source: { component: 'default-scheduler' },
      }),
    ]);
    expect(pod.p?.status?.phase).toBe('Pending');
    const dep = await waitForDeployment((x) => x.status?.replicas === 1, 'one pod counted');
    expect(dep.status).toMatchObject({ readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 1 });
  });

  it('picks another ReplicaSet name (collisionCount) when the hashed name belongs to someone else', async () => {
    startEdged();
    const d = webDeployment('web:1');
    const squatter = `web-${podTemplateHash(d.spec.template)}`;
    await store.create('ReplicaSet', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: squatter, namespace: 'default' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'other' } },
        template: {
          metadata: { labels: { app: 'other' } },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        },
      },
    });
    await store.create('Deployment', d);
    const done = await waitForDeployment(settled(1), 'running beside the squatter');
    expect(done.status?.collisionCount).toBe(1);
    const names = (await store.list('ReplicaSet', { namespace: 'default' })).items.map(
      (r) => r.metadata.name,
    );
    expect(names).toHaveLength(2);
    expect(names).toContain(squatter);
    expect(
      new Set((await webPods()).map((p) => p.metadata.name.slice(0, p.metadata.name.lastIndexOf('-')))),
    ).not.toContain(squatter);
  });

  it('deletes the ReplicaSets and pods of a deleted Deployment', async () => {
    startEdged();
    await store.create('Deployment', webDeployment('web:1'));
    await waitForDeployment(settled(1), 'running');
    await store.delete('Deployment', 'web', 'default');
    await waitFor(
      async () =>
        (await store.list('ReplicaSet', { namespace: 'default' })).items.length === 0 &&
        (await webPods()).length === 0,
      { what: 'ReplicaSets and pods gone', timeoutMs: 15_000, intervalMs: 20 },
    );
  });
});
