// The EdgeApplication controller on the real embedded SQLite store, with the
// NodeGroup controller and the embedded workload controller: per-group
// Deployments appear with their overriders, their pods land only on the
// group's nodes, status goes Available, updates go through the recorded
// template, dropped objects and targets are deleted, a bad overrider keeps
// the running copy, and deleting the app deletes what it made.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPodReady, rfc3339, type EdgeApplication, type Pod } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { createInformer, createObserved, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { makeNode } from '../../test/cm-harness.ts';
import { NodeGroupController } from '../nodegroup/node-group-controller.ts';
import { WorkloadController } from '../workload/workload-controller.ts';
import { EdgeApplicationController } from './edge-application-controller.ts';

const log = createLogger({ name: 'edgeapp-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
const GROUPS = { a: ['edge-1', 'edge-2'], b: ['edge-3', 'edge-4'] };
let dir: TempDir;
let store: ResourceStore;
let controllerStore: ResourceStore;
let abort: AbortController;
let running: Promise<unknown>[];

beforeEach(async () => {
  dir = await tempDir('kedge-edgeapp-');
  const open = (): ResourceStore =>
    openSqliteStore({ path: join(dir.path, 'kedge.db'), clock: systemClock, pollIntervalMs: 5 });
  store = open();
  controllerStore = open();
  for (const name of [...GROUPS.a, ...GROUPS.b, 'edge-5'])
    await createObserved(store, 'Node', makeNode(name));
  for (const [group, nodes] of Object.entries(GROUPS)) {
    await store.create('NodeGroup', {
      apiVersion: 'apps.kubeedge.io/v1alpha1',
      kind: 'NodeGroup',
      metadata: { name: group },
      spec: { nodes },
    });
  }
  abort = new AbortController();
  const common = { store: controllerStore, clock: systemClock, log };
  running = [
    new NodeGroupController(common).run(abort.signal),
    new EdgeApplicationController(common).run(abort.signal),
    new WorkloadController({ ...common, notReadyGraceMs: 60_000, evictionCheckMs: 1000 }).run(abort.signal),
  ];
  startEdged();
  await waitFor(
    async () =>
      (await store.get('Node', 'edge-4'))?.metadata.labels?.['apps.kubeedge.io/belonging-to'] === 'b',
    { what: 'group labels' },
  );
});

afterEach(async () => {
  abort.abort();
  await Promise.allSettled(running);
  await controllerStore.close();
  await store.close();
  await dir.cleanup();
});

/** Stands in for edged: every bound pod is reported Running and Ready. */
function startEdged(): void {
  const pods = createInformer(store, 'Pod', {
    signal: abort.signal,
    log,
    onEvent: (e) => {
      if (e.type === 'DELETED' || !e.object.spec.nodeName || isPodReady(e.object)) return;
      running.push(reportReady(e.object).catch(() => undefined));
    },
  });
  void pods.synced.catch(() => undefined);
}

async function reportReady(pod: Pod): Promise<void> {
  const now = rfc3339();
  await mutate(
    store,
    'Pod',
    pod.metadata.name,
    (p) => {
      if (isPodReady(p)) return undefined;
      const ready = (type: string) => ({ type, status: 'True' as const, lastTransitionTime: now });
      p.status = {
        ...p.status,
        phase: 'Running',
        conditions: [ready('ContainersReady'), ready('Ready')],
        startTime: now,
      };
      return p;
    },
    { status: true, namespace: pod.metadata.namespace ?? 'default' },
  );
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'registry.local/web:1.0' }] },
    },
  },
};
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};
const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-conf' },
  data: { greeting: 'hi' },
};

function edgeApp(manifests: object[], scope: EdgeApplication['spec']['workloadScope']): EdgeApplication {
  return {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'EdgeApplication',
    metadata: { name: 'shop', namespace: 'default' },
    spec: { workloadTemplate: { manifests: manifests as never }, workloadScope: scope },
  };
}

const scope: EdgeApplication['spec']['workloadScope'] = {
  targetNodeGroups: [
    {
      name: 'a',
      overriders: { replicas: 2, imageOverriders: [{ component: 'Tag', operator: 'replace', value: '1.1' }] },
    },
    { name: 'b', overriders: { replicas: 3 } },
  ],
};

function podsOf(deploymentName: string, pods: Pod[]): Pod[] {
  return pods.filter((p) => p.metadata.name.startsWith(`${deploymentName}-`) && p.spec.nodeName);
}

describe('EdgeApplication controller', () => {
  it('renders one Deployment per group whose pods run only on that group, and reports them Available', async () => {
    await store.create('EdgeApplication', edgeApp([deployment, configMap, service], scope));
    const a = await waitFor(() => store.get('Deployment', 'web-a', 'default'), { what: 'web-a' });
    const b = await waitFor(() => store.get('Deployment', 'web-b', 'default'), { what: 'web-b' });
    expect(a.spec.replicas).toBe(2);
    expect(a.spec.template.spec.containers[0]!.image).toBe('registry.local/web:1.1');
    expect(a.spec.template.spec.nodeSelector).toEqual({ 'apps.kubeedge.io/belonging-to': 'a' });
    expect(b.spec.replicas).toBe(3);
    expect(b.spec.template.spec.containers[0]!.image).toBe('registry.local/web:1.0');
    expect(a.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'EdgeApplication',
      name: 'shop',
      controller: true,
    });
    expect(a.metadata.annotations?.['apps.kubeedge.io/last-applied-template']).toContain('"web-a"');
    expect((await store.get('ConfigMap', 'web-conf', 'default'))?.data).toEqual({ greeting: 'hi' });

    const pods = await waitFor(
      async () => {
        const { items } = await store.list('Pod', { namespace: 'default' });
        return podsOf('web-a', items).length === 2 && podsOf('web-b', items).length === 3 ? items : undefined;
      },
      { timeoutMs: 20_000, what: 'pods of both groups bound' },
    );
    for (const p of podsOf('web-a', pods)) expect(GROUPS.a).toContain(p.spec.nodeName);
    for (const p of podsOf('web-b', pods)) expect(GROUPS.b).toContain(p.spec.nodeName);

    const app = await waitFor(
      async () => {
        const x = await store.get('EdgeApplication', 'shop', 'default');
        const s = x?.status?.workloadStatus ?? [];
        return s.length === 4 && s.every((e) => e.conditions === 'Available') ? x : undefined;
      },
      { timeoutMs: 20_000, what: 'all Available' },
    );
    expect(app.status?.workloadStatus?.map((s) => s.identifier)).toEqual([
      {
        ordinal: 0,
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'default',
        name: 'web-a',
      },
      {
        ordinal: 0,
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespace: 'default',
        name: 'web-b',
      },
      {
        ordinal: 1,
        version: 'v1',
        kind: 'ConfigMap',
        resource: 'configmaps',
        namespace: 'default',
        name: 'web-conf',
      },
      {
        ordinal: 2,
        version: 'v1',
        kind: 'Service',
        resource: 'services',
        namespace: 'default',
        name: 'web',
      },
    ]);
    const svc = await store.get('Service', 'web', 'default');
    expect(svc?.metadata.annotations?.['apps.kubeedge.io/service-topology']).toBe('range-nodegroup');
    expect(svc?.spec?.ports?.[0]?.port).toBe(80);
    expect(
      JSON.parse(app.metadata.annotations?.['apps.kubeedge.io/last-contained-resources'] ?? '[]'),
    ).toHaveLength(4);
  });

  it('updates through the recorded template, deletes dropped targets and manifests, keeps a copy whose overrider broke', async () => {
    await store.create('EdgeApplication', edgeApp([deployment, configMap, service], scope));
    await waitFor(() => store.get('Deployment', 'web-b', 'default'), { what: 'web-b' });
    // Someone else annotates the Deployment: a template update must not wipe that.
    await mutate(
      store,
      'Deployment',
      'web-a',
      (d) => {
        d.metadata.annotations = { ...d.metadata.annotations, 'team/owner': 'ops' };
        return d;
      },
      { namespace: 'default' },
    );
    await mutate(
      store,
      'EdgeApplication',
      'shop',
      (x) => {
        const d = structuredClone(deployment);
        d.spec.template.spec.containers[0]!.image = 'registry.local/web:2.0';
        x.spec.workloadTemplate.manifests = [d] as never;
        x.spec.workloadScope = {
          targetNodeGroups: [
            {
              name: 'a',
              overriders: {
                imageOverriders: [{ component: 'Registry', operator: 'replace', value: 'mirror.local' }],
              },
            },
          ],
        };
        return x;
      },
      { namespace: 'default' },
    );
    const a = await waitFor(
      async () => {
        const d = await store.get('Deployment', 'web-a', 'default');
        return d?.spec.template.spec.containers[0]!.image === 'mirror.local/web:2.0' ? d : undefined;
      },
      { what: 'web-a updated' },
    );
    expect(a.metadata.annotations?.['team/owner']).toBe('ops');
    expect(a.spec.replicas).toBe(1);
    await waitFor(async () => (await store.get('Deployment', 'web-b', 'default')) === undefined, {
      what: 'web-b deleted',
    });
    await waitFor(async () => (await store.get('ConfigMap', 'web-conf', 'default')) === undefined, {
      what: 'configmap deleted',
    });
    await waitFor(async () => (await store.get('Service', 'web', 'default')) === undefined, {
      what: 'service removed from the template deleted',
    });

    // A broken overrider: web-a stays as it was and a RenderFailed event says why.
    await mutate(
      store,
      'EdgeApplication',
      'shop',
      (x) => {
        x.spec.workloadScope.targetNodeGroups![0]!.overriders = {
          imageOverriders: [{ component: 'Tag', operator: 'replace', value: 'not/a/tag' }],
        };
        return x;
      },
      { namespace: 'default' },
    );
    const event = await waitFor(
      async () =>
        (await store.list('Event', { namespace: 'default' })).items.find((e) => e.reason === 'RenderFailed'),
      { what: 'RenderFailed event' },
    );
    expect(event.message).toMatch(/manifests\[0\]: for nodegroup a: .*neither a tag nor a digest/);
    expect((await store.get('Deployment', 'web-a', 'default'))?.spec.template.spec.containers[0]!.image).toBe(
      'mirror.local/web:2.0',
    );
  });

  it('deleting the app deletes every object it made; an object it does not own is never taken over', async () => {
    await store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-conf', namespace: 'default' },
      data: { mine: 'yes' },
    });
    await store.create('EdgeApplication', edgeApp([deployment, configMap, service], scope));
    await waitFor(() => store.get('Deployment', 'web-b', 'default'), { what: 'web-b' });
    await waitFor(
      async () =>
        (await store.list('Event', { namespace: 'default' })).items.find((e) =>
          /not controlled by EdgeApplication shop/.test(e.message ?? ''),
        ),
      { what: 'refusal event' },
    );
    expect((await store.get('ConfigMap', 'web-conf', 'default'))?.data).toEqual({ mine: 'yes' });

    await store.delete('EdgeApplication', 'shop', 'default');
    await waitFor(
      async () =>
        (await store.get('Deployment', 'web-a', 'default')) === undefined &&
        (await store.get('Deployment', 'web-b', 'default')) === undefined,
      { what: 'Deployments deleted' },
    );
    expect(await store.get('ConfigMap', 'web-conf', 'default')).toBeDefined();
  });
  it('a node moved from group a to group b: its pods of a leave (recreated on a), b may place pods there', async () => {
    await store.create('EdgeApplication', edgeApp([deployment], scope));
    const bound = (pods: Pod[], d: string) => podsOf(d, pods).filter((p) => !p.metadata.deletionTimestamp);
    await waitFor(
      async () => {
        const { items } = await store.list('Pod', { namespace: 'default' });
        return bound(items, 'web-a').length === 2 && bound(items, 'web-b').length === 3;
      },
      { timeoutMs: 20_000, what: 'pods of both groups bound' },
    );
    const started = Date.now();
    await mutate(store, 'NodeGroup', 'a', (g) => ({ ...g, spec: { nodes: ['edge-1'] } }));
    await mutate(store, 'NodeGroup', 'b', (g) => ({ ...g, spec: { nodes: ['edge-2', 'edge-3', 'edge-4'] } }));
    const pods = await waitFor(
      async () => {
        const { items } = await store.list('Pod', { namespace: 'default' });
        const a = bound(items, 'web-a');
        return a.length === 2 && a.every((p) => p.spec.nodeName === 'edge-1') ? items : undefined;
      },
      { timeoutMs: 20_000, what: "web-a's pods all on edge-1" },
    );
    console.log(`node group move: web-a's pods left edge-2 within ${Date.now() - started} ms`);
    expect((await store.get('Node', 'edge-2'))?.metadata.labels?.['apps.kubeedge.io/belonging-to']).toBe('b');
    for (const p of bound(pods, 'web-b')) expect(['edge-2', 'edge-3', 'edge-4']).toContain(p.spec.nodeName);
  });
});
