// The Kubernetes backend against a real kube-apiserver + etcd: the shared
// ResourceStore contract with the same assertions as the SQLite run, the
// CRDs from configs/crds installed with kubectl and enforcing what the zod
// schemas enforce, RBAC refusals naming verb and resource, and watches that
// fail loudly instead of going quiet.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode, type ResourceOf } from '@kedge/api';
import { repoRoot, startKubeApiServer, waitFor, type TestKubeApiServer } from '@kedge/testing';
import {
  collect,
  eventObject,
  newRun,
  nodeObject,
  rejection,
  summary,
} from '../contract/contract-helpers.ts';
import { createInformer } from '../informer.ts';
import { describeResourceStoreContract } from '../contract/resource-store-contract.ts';
import type { ResourceStore } from '../resource-store.ts';
import { openKubernetesStore } from './open-kubernetes-store.ts';

const CRD_NAMES = [
  'configupdatejobs.operations.kubeedge.io',
  'edgeapplications.apps.kubeedge.io',
  'imageprepulljobs.operations.kubeedge.io',
  'nodegroups.apps.kubeedge.io',
  'nodeupgradejobs.operations.kubeedge.io',
];

/** The ConfigUpdateJob example from the KubeEdge v1.21 release notes, as published. */
const RELEASE_EXAMPLE = `apiVersion: operations.kubeedge.io/v1alpha2
kind: ConfigUpdateJob
metadata:
  name: configupdate-test
spec:
  failureTolerate: "0.3"
  concurrency: 1
  timeoutSeconds: 180
  updateFields:
    modules.edgeStream.enable: "true"
  labelSelector:
    matchLabels:
      "node-role.kubernetes.io/edge": ""
      node-role.kubernetes.io/agent: ""
`;

function upgradeJob(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name },
    spec: { version: 'v1.21.0', ...spec },
  });
}

describe('kubernetes backend (real kube-apiserver)', () => {
  let kube: TestKubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer({ users: [{ name: 'job-watcher' }] });
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/crds')]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...CRD_NAMES.map((n) => `crd/${n}`),
    ]);
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  describeResourceStoreContract('kubernetes', async () => {
    const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
    return { store, cleanup: () => store.close() };
  });

  describe('CRDs from configs/crds', () => {
    it('install cleanly and are served at every version', async () => {
      const out = await kube.kubectl(['get', 'crd', '-l', 'app.kubernetes.io/part-of=kedge', '-o', 'name']);
      expect(out.stdout.trim().split('\n').sort()).toEqual(
        CRD_NAMES.map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}`),
      );
      const resources = await kube.kubectl([
        'api-resources',
        '--api-group=operations.kubeedge.io',
        '-o',
        'name',
      ]);
      expect(resources.stdout).toContain('nodeupgradejobs.operations.kubeedge.io');
      const versions = await kube.kubectl(['api-versions']);
      expect(versions.stdout).toContain('operations.kubeedge.io/v1alpha1');
      expect(versions.stdout).toContain('operations.kubeedge.io/v1alpha2');
    });

    it('take the release example unchanged', async () => {
      await kube.kubectl(['apply', '-f', '-'], { input: RELEASE_EXAMPLE });
      const got = await kube.kubectl([
        'get',
        'configupdatejob',
        'configupdate-test',
        '-o',
        'jsonpath={.spec.failureTolerate}',
      ]);
      expect(got.stdout).toBe('0.3');
    });

    it.each([
      [
        'both selectors',
        { nodeNames: ['edge-1'], labelSelector: { matchLabels: { a: 'b' } } },
        /set exactly one of nodeNames or labelSelector/,
      ],
      ['an unknown field', { nodeNames: ['edge-1'], bogus: 1 }, /unknown field "spec.bogus"/],
      [
        'a failureTolerate above 1',
        { nodeNames: ['edge-1'], failureTolerate: '1.5' },
        /spec.failureTolerate/,
      ],
      ['a numeric failureTolerate', { nodeNames: ['edge-1'], failureTolerate: 0.5 }, /spec.failureTolerate/],
    ])(
      'the API server rejects a NodeUpgradeJob with %s, as the embedded store does',
      async (_what, spec, message) => {
        const name = `bad-${Math.random().toString(16).slice(2, 10)}`;
        const res = await kube.kubectl(['create', '-f', '-'], {
          input: upgradeJob(name, spec),
          allowFailure: true,
        });
        expect(res.code).not.toBe(0);
        expect(res.stderr).toMatch(message);
        expect((await kube.kubectl(['get', 'nodeupgradejob', name], { allowFailure: true })).code).not.toBe(
          0,
        );

        const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
        try {
          const err = await rejection(
            store.create(
              'NodeUpgradeJob',
              JSON.parse(upgradeJob(name, spec)) as ResourceOf<'NodeUpgradeJob'>,
            ),
          );
          expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
          expect(err.message).toMatch(/spec/);
        } finally {
          await store.close();
        }
      },
    );
  });

  describe('RBAC', () => {
    let limited: ResourceStore;

    beforeAll(async () => {
      // job-watcher may read NodeUpgradeJobs and nothing else.
      await kube.kubectl([
        'create',
        'clusterrole',
        'job-watcher',
        '--verb=get,list,watch',
        '--resource=nodeupgradejobs.operations.kubeedge.io',
      ]);
      await kube.kubectl([
        'create',
        'clusterrolebinding',
        'job-watcher',
        '--clusterrole=job-watcher',
        '--user=job-watcher',
      ]);
      const token = kube.tokens['job-watcher'] ?? '';
      limited = await openKubernetesStore({ kubeconfig: await kube.kubeconfigFor(token) });
    });

    afterAll(async () => {
      await limited?.close();
    });

    it('a token without the rights gets KEDGE_STORE_FORBIDDEN naming verb and resource', async () => {
      const admin = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
      try {
        const job = await admin.create(
          'NodeUpgradeJob',
          JSON.parse(upgradeJob('rbac-job', { nodeNames: ['edge-1'] })) as ResourceOf<'NodeUpgradeJob'>,
        );
        const seen = await limited.get('NodeUpgradeJob', 'rbac-job');
        expect(seen?.metadata.uid).toBe(job.metadata.uid);

        const status = await rejection(
          limited.updateStatus('NodeUpgradeJob', {
            ...job,
            status: { phase: 'InProgress' },
          } as ResourceOf<'NodeUpgradeJob'>),
        );
        expect(status.code).toBe('KEDGE_STORE_FORBIDDEN');
        expect(status.message).toContain(
          'forbidden: cannot update resource "nodeupgradejobs/status" in API group "operations.kubeedge.io"',
        );
        expect(status.message).toContain('NodeUpgradeJob "rbac-job"');

        const nodes = await rejection(limited.list('Node'));
        expect(nodes.code).toBe('KEDGE_STORE_FORBIDDEN');
        expect(nodes.message).toContain('cannot list resource "nodes" in API group ""');

        const events = await rejection(
          limited.create('Event', {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: 'e1', namespace: 'kube-public' },
            involvedObject: { kind: 'Node', name: 'edge-1' },
          }),
        );
        expect(events.code).toBe('KEDGE_STORE_FORBIDDEN');
        expect(events.message).toContain(
          'cannot create resource "events" in API group "" in the namespace "kube-public"',
        );
      } finally {
        await admin.close();
      }
    });

    it('a service account token is held to exactly its role', async () => {
      await kube.kubectl([
        'create',
        'clusterrole',
        'node-reader',
        '--verb=get,list,watch',
        '--resource=nodes',
      ]);
      await kube.kubectl([
        'create',
        'clusterrolebinding',
        'node-reader',
        '--clusterrole=node-reader',
        '--serviceaccount=kube-system:node-reader',
      ]);
      const token = await kube.serviceAccountToken('kube-system', 'node-reader');
      const store = await openKubernetesStore({ kubeconfig: await kube.kubeconfigFor(token) });
      try {
        const run = newRun();
        expect((await store.list('Node', { labelSelector: run.selector })).items).toEqual([]);
        const err = await rejection(store.create('Node', nodeObject(run, 'sa')));
        expect(err.code).toBe('KEDGE_STORE_FORBIDDEN');
        expect(err.message).toContain('cannot create resource "nodes" in API group "" at the cluster scope');
        expect(err.message).toContain('system:serviceaccount:kube-system:node-reader');
      } finally {
        await store.close();
      }
    });

    it('a watch the token may not open fails instead of waiting forever', async () => {
      const err = await rejection(collect(limited, 'Node', {}, 1, 5_000));
      expect(hasCode(err, 'KEDGE_STORE_FORBIDDEN')).toBe(true);
      expect(err.message).toContain('cannot list resource "nodes"');
    });
  });

  describe('watch failures surface', () => {
    it('a watch from a compacted version fails with KEDGE_STORE_EXPIRED', async () => {
      // Events skip the API server's watch cache, so their watches read etcd's history.
      const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
      try {
        const run = newRun();
        const first = await store.create('Event', eventObject(run, 'old') as ResourceOf<'Event'>);
        await store.create('Event', eventObject(run, 'middle') as ResourceOf<'Event'>);
        const last = await store.create('Event', eventObject(run, 'new') as ResourceOf<'Event'>);
        // Compact etcd up to the last write, as the API server itself does every 5 minutes.
        const res = await fetch(`${kube.etcdUrl}/v3/kv/compaction`, {
          method: 'POST',
          body: JSON.stringify({ revision: last.metadata.resourceVersion, physical: true }),
        });
        expect(res.status).toBe(200);
        const from = { resourceVersion: first.metadata.resourceVersion, labelSelector: run.selector };
        const err = await rejection(collect(store, 'Event', from, 1));
        expect(err.code).toBe('KEDGE_STORE_EXPIRED');
        expect(err.message).toContain('relist');
      } finally {
        await store.close();
      }
    });

    it('a watch the server ends (its timeout) goes on from the last version seen', async () => {
      const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath, watchTimeoutSeconds: 1 });
      try {
        const run = newRun();
        const { resourceVersion } = await store.list('Node', { labelSelector: run.selector });
        const watching = collect(store, 'Node', { resourceVersion, labelSelector: run.selector }, 2, 15_000);
        await store.create('Node', nodeObject(run, 'before'));
        await new Promise((resolve) => setTimeout(resolve, 2_500)); // the server ends the 1 s watch meanwhile
        await store.create('Node', nodeObject(run, 'after'));
        expect(summary(await watching)).toEqual([
          `ADDED ${run.name('before')}`,
          `ADDED ${run.name('after')}`,
        ]);
      } finally {
        await store.close();
      }
    });

    it('an informer over the Kubernetes store follows creates and deletes', async () => {
      const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
      const stop = new AbortController();
      try {
        const run = newRun();
        await store.create('Node', nodeObject(run, 'i1'));
        const informer = createInformer(store, 'Node', { labelSelector: run.selector, signal: stop.signal });
        await informer.synced;
        expect(informer.get(run.name('i1'))?.metadata.name).toBe(run.name('i1'));
        await store.create('Node', nodeObject(run, 'i2'));
        await store.delete('Node', run.name('i1'));
        await waitFor(() => informer.list().length === 1 && informer.get(run.name('i2')), {
          what: 'i2 only',
        });
      } finally {
        stop.abort();
        await store.close();
      }
    });

    it('closing the store ends its watches; the next call says the store is closed', async () => {
      const store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
      const run = newRun();
      const watching = collect(store, 'Node', { labelSelector: run.selector }, 1, 10_000).catch(
        (e: unknown) => e,
      );
      await store.close();
      expect(String(await watching)).toContain('got 0 of 1');
      const err = await rejection(store.create('Node', nodeObject(run, 'late')));
      expect(err.code).toBe('KEDGE_STORE_UNAVAILABLE');
    });
  });
});
