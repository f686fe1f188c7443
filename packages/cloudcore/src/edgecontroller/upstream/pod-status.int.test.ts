// Pod status from a node into a real kube-apiserver (cluster mode): written
// through pods/status, and a gracefully deleted pod (deletionTimestamp set by
// the API server, as for every bound pod) is deleted for good with grace 0
// once the node reports its containers stopped, not before.
import { newMessage, type Pod } from '@kedge/api';
import { openKubernetesStore, type ResourceStore } from '@kedge/store';
import { startKubeApiServer, type TestKubeApiServer } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLogger } from '../../../test/task-cloud.ts';
import { recordPodStatus } from './pod-status.ts';

const status = (state: Record<string, unknown>) => ({
  phase: 'Running',
  containerStatuses: [{ name: 'app', image: 'app', imageID: '', ready: false, restartCount: 0, state }],
});

describe('pod status into kube-apiserver', () => {
  let kube: TestKubeApiServer;
  let store: ResourceStore;

  beforeAll(async () => {
    kube = await startKubeApiServer({});
    store = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await kube?.stop();
  });

  const report = async (pod: Pod, s: unknown) =>
    recordPodStatus(
      store,
      testLogger(),
      'edge-1',
      newMessage({
        source: 'edged',
        group: 'resource',
        operation: 'update',
        resource: `default/podstatus/${pod.metadata.name}`,
        content: { UID: pod.metadata.uid, Name: pod.metadata.name, Status: s },
        sync: true,
      }),
    );

  it('writes the status, and ends a graceful deletion only once the containers stopped', async () => {
    const pod = await store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { nodeName: 'edge-1', containers: [{ name: 'app', image: '127.0.0.1:5000/app:v1' }] },
    });
    await report(pod, status({ running: { startedAt: '2026-12-03T01:00:00Z' } }));
    expect((await store.get('Pod', 'web-1', 'default'))?.status?.phase).toBe('Running');

    await store.delete('Pod', 'web-1', 'default');
    const marked = await store.get('Pod', 'web-1', 'default');
    expect(marked?.metadata.deletionTimestamp).toBeDefined();
    await report(pod, status({ running: { startedAt: '2026-12-03T01:00:00Z' } }));
    expect(await store.get('Pod', 'web-1', 'default')).toBeDefined();

    await report(
      pod,
      status({
        terminated: { exitCode: 0, startedAt: '2026-12-03T01:00:00Z', finishedAt: '2026-12-03T01:05:00Z' },
      }),
    );
    expect(await store.get('Pod', 'web-1', 'default')).toBeUndefined();
  });
});
