// The NodeGroup and EdgeApplication controllers on the Kubernetes backend: a
// real kube-apiserver with the CRDs from configs/crds, the controllers
// running as controllermanager's ServiceAccount with configs/k8s/rbac.yaml,
// so the labels, the finalizer, both statuses, the rendered Deployment and
// the eviction pass the real API's validation and authorization, through the
// same code as on SQLite.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@kedge/runtime';
import { createObserved, openKubernetesStore, type ResourceStore } from '@kedge/store';
import { repoRoot, startKubeApiServer, waitFor, type TestKubeApiServer } from '@kedge/testing';
import { makeNode } from '../../test/cm-harness.ts';
import { EdgeApplicationController } from '../edgeapplication/edge-application-controller.ts';
import { NodeGroupController } from './node-group-controller.ts';

const BELONGING = 'apps.kubeedge.io/belonging-to';
const log = createLogger({ name: 'nodegroup-kube-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });

describe('node groups on a real kube-apiserver', () => {
  let kube: TestKubeApiServer;
  let store: ResourceStore;
  let controllerStore: ResourceStore;
  const abort = new AbortController();
  const running: Promise<void>[] = [];

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/crds')]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/nodegroups.apps.kubeedge.io',
      'crd/edgeapplications.apps.kubeedge.io',
    ]);
    store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
    // The controllers run as controllermanager's ServiceAccount with exactly configs/k8s/rbac.yaml.
    await kube.kubectl(['create', 'namespace', 'kubeedge']);
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/k8s/rbac.yaml')]);
    const token = await kube.serviceAccountToken('kubeedge', 'controllermanager');
    controllerStore = await openKubernetesStore({ kubeconfig: await kube.kubeconfigFor(token) });
    for (const n of ['edge-1', 'edge-2', 'edge-3']) await createObserved(store, 'Node', makeNode(n));
    const common = { store: controllerStore, clock: systemClock, log };
    running.push(new NodeGroupController(common).run(abort.signal));
    running.push(new EdgeApplicationController(common).run(abort.signal));
  }, 180_000);

  afterAll(async () => {
    abort.abort();
    await Promise.allSettled(running);
    await controllerStore?.close();
    await store?.close();
    await kube?.stop();
  });

  it('labels members, refuses a second claim, writes status, and unlabels on delete', async () => {
    const group = (name: string, nodes: string[]) => ({
      apiVersion: 'apps.kubeedge.io/v1alpha1' as const,
      kind: 'NodeGroup' as const,
      metadata: { name },
      spec: { nodes },
    });
    // Applied with kubectl as a user writes it (the release notes' shape).
    await kube.kubectl(['apply', '-f', '-'], {
      input: [
        'apiVersion: apps.kubeedge.io/v1alpha1',
        'kind: NodeGroup',
        'metadata:',
        '  name: north',
        'spec:',
        '  nodes:',
        '    - edge-1',
        '    - edge-2',
        '    - ghost',
        '',
      ].join('\n'),
    });
    await waitFor(async () => (await store.get('Node', 'edge-2'))?.metadata.labels?.[BELONGING] === 'north', {
      timeoutMs: 30_000,
      what: 'edge-2 labelled',
    });
    await store.create('NodeGroup', group('south', ['edge-2', 'edge-3']));
    const south = await waitFor(
      async () => {
        const g = await store.get('NodeGroup', 'south');
        return g?.status?.nodeStatuses?.length === 2 ? g : undefined;
      },
      { timeoutMs: 30_000, what: 'south status' },
    );
    expect(
      south.status?.nodeStatuses?.map((s) => [s.nodeName, s.selectionStatus, s.selectionStatusReason]),
    ).toEqual([
      ['edge-2', 'Failed', 'node edge-2 already belongs to NodeGroup north'],
      ['edge-3', 'Succeeded', undefined],
    ]);
    const north = await waitFor(
      async () => {
        const g = await store.get('NodeGroup', 'north');
        return g?.status?.nodeStatuses?.length === 3 ? g : undefined;
      },
      { timeoutMs: 30_000, what: 'north status' },
    );
    expect(north.metadata.finalizers).toEqual(['apps.kubeedge.io/nodegroup-controller']);
    expect(north.status?.nodeStatuses?.[2]).toMatchObject({ nodeName: 'ghost', selectionStatus: 'Failed' });

    // Also applied with kubectl, in upstream's EdgeApplication shape.
    await kube.kubectl(['apply', '-f', '-'], {
      input: [
        'apiVersion: apps.kubeedge.io/v1alpha1',
        'kind: EdgeApplication',
        'metadata:',
        '  name: shop',
        '  namespace: default',
        'spec:',
        '  workloadTemplate:',
        '    manifests:',
        '      - apiVersion: apps/v1',
        '        kind: Deployment',
        '        metadata:',
        '          name: web',
        '        spec:',
        '          selector:',
        '            matchLabels:',
        '              app: web',
        '          template:',
        '            metadata:',
        '              labels:',
        '                app: web',
        '            spec:',
        '              containers:',
        '                - name: web',
        '                  image: nginx:1.27',
        '  workloadScope:',
        '    targetNodeGroups:',
        '      - name: north',
        '        overriders:',
        '          replicas: 2',
        '',
      ].join('\n'),
    });
    const d = await waitFor(() => store.get('Deployment', 'web-north', 'default'), {
      timeoutMs: 30_000,
      what: 'web-north',
    });
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.nodeSelector).toEqual({ [BELONGING]: 'north' });
    const app = await waitFor(
      async () => {
        const a = await store.get('EdgeApplication', 'shop', 'default');
        return a?.status?.workloadStatus?.length === 1 ? a : undefined;
      },
      { timeoutMs: 30_000, what: 'app status' },
    );
    expect(app.status?.workloadStatus?.[0]).toMatchObject({
      identifier: { ordinal: 0, group: 'apps', version: 'v1', kind: 'Deployment', name: 'web-north' },
      conditions: 'Processing',
    });

    await store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'placed-by-north', namespace: 'default' },
      spec: {
        nodeName: 'edge-1',
        nodeSelector: { [BELONGING]: 'north' },
        containers: [{ name: 'c', image: 'nginx:1.27' }],
      },
    });
    await store.delete('NodeGroup', 'north');
    await waitFor(async () => (await store.get('NodeGroup', 'north')) === undefined, {
      timeoutMs: 30_000,
      what: 'north gone',
    });
    expect((await store.get('Node', 'edge-1'))?.metadata.labels?.[BELONGING]).toBeUndefined();
    // Evicted: no kubelet confirms here, so the pod stays Terminating (deletionTimestamp set).
    await waitFor(
      async () => {
        const pod = await store.get('Pod', 'placed-by-north', 'default');
        return pod === undefined || pod.metadata.deletionTimestamp !== undefined;
      },
      { timeoutMs: 30_000, what: 'pod of north evicted' },
    );
    // edge-2 is free now: south takes it.
    await waitFor(async () => (await store.get('Node', 'edge-2'))?.metadata.labels?.[BELONGING] === 'south', {
      timeoutMs: 30_000,
      what: 'edge-2 moves to south',
    });
  }, 120_000);
});
