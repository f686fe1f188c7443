// Issue 11 (EdgeApplication): upstream's controller created each manifest in
// whatever namespace it named and overwrote any object of the rendered name,
// with the controller's own rights. Whoever may create an EdgeApplication in
// one namespace could so place a Deployment in kube-system, or replace the
// image of another team's Deployment or the data of its ConfigMap in the same
// namespace. Against a real controllermanager process over an embedded
// store: the objects outside the app's namespace are never created, the
// objects it does not control are left as they were, and RenderFailed events
// say why; the app's own objects are still rendered.
import type { EdgeApplication } from '@kedge/api';
import { LocalCloud } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const deployment = (name: string, image: string, namespace?: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { app: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
  },
});

describe('security: an EdgeApplication cannot act outside what it owns', () => {
  let dir: TempDir;
  let cloud: LocalCloud;

  beforeAll(async () => {
    dir = await tempDir('kedge-eapp-deputy-');
    cloud = new LocalCloud({ dir: dir.path });
    await cloud.startControllerManager();
  });
  afterAll(async () => {
    await cloud?.close();
    await dir?.cleanup();
  });

  it('no object in another namespace, no takeover of objects it does not control', async () => {
    const { store } = cloud;
    // Another team's objects in the same namespace.
    await store.create(
      'Deployment',
      deployment('payments-g1', 'registry.local/payments:1.0', 'tenant') as never,
    );
    await store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'payments-config', namespace: 'tenant' },
      data: { endpoint: 'https://bank.example' },
    });
    const app: EdgeApplication = {
      apiVersion: 'apps.kubeedge.io/v1alpha1',
      kind: 'EdgeApplication',
      metadata: { name: 'sneaky', namespace: 'tenant' },
      spec: {
        workloadTemplate: {
          manifests: [
            deployment('miner', 'evil.example/miner:1', 'kube-system'),
            deployment('payments', 'evil.example/payments:1'),
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'payments-config' },
              data: { endpoint: 'https://evil.example' },
            },
            deployment('own', 'registry.local/own:1'),
          ] as never,
        },
        workloadScope: { targetNodeGroups: [{ name: 'g1' }] },
      },
    };
    await store.create('EdgeApplication', app);

    // The app's own object is rendered, so the controller did run over the whole template.
    await waitFor(() => store.get('Deployment', 'own-g1', 'tenant'), { timeoutMs: 30_000, what: 'own-g1' });
    const events = await waitFor(
      async () => {
        const items = (await store.list('Event', { namespace: 'tenant' })).items.filter(
          (e) => e.reason === 'RenderFailed',
        );
        return items.length >= 3 ? items : undefined;
      },
      { timeoutMs: 30_000, what: 'three RenderFailed events' },
    );
    const messages = events.map((e) => e.message ?? '').join('\n');
    expect(messages).toMatch(
      /manifests\[0\]: metadata\.namespace "kube-system" is not the EdgeApplication's namespace tenant/,
    );
    expect(messages).toMatch(
      /Deployment tenant\/payments-g1 exists and is not controlled by EdgeApplication sneaky/,
    );
    expect(messages).toMatch(
      /ConfigMap tenant\/payments-config exists and is not controlled by EdgeApplication sneaky/,
    );

    expect((await store.list('Deployment', { namespace: 'kube-system' })).items).toEqual([]);
    const payments = await store.get('Deployment', 'payments-g1', 'tenant');
    expect(payments?.spec.template.spec.containers[0]?.image).toBe('registry.local/payments:1.0');
    expect(payments?.metadata.ownerReferences).toBeUndefined();
    expect((await store.get('ConfigMap', 'payments-config', 'tenant'))?.data).toEqual({
      endpoint: 'https://bank.example',
    });

    // Deleting the app deletes only what it made.
    await store.delete('EdgeApplication', 'sneaky', 'tenant');
    await waitFor(async () => (await store.get('Deployment', 'own-g1', 'tenant')) === undefined, {
      timeoutMs: 30_000,
      what: 'own-g1 deleted',
    });
    expect(await store.get('Deployment', 'payments-g1', 'tenant')).toBeDefined();
    expect(await store.get('ConfigMap', 'payments-config', 'tenant')).toBeDefined();
  }, 90_000);
});
