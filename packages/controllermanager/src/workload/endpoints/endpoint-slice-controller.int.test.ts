// The embedded endpointslice controller on the real SQLite store: a Service
// gets a ClusterIP from the service CIDR and an EndpointSlice that follows
// its pods (IP, node, readiness); a deleted Service takes its slice along.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { EndpointSliceController } from './endpoint-slice-controller.ts';

const log = createLogger({ name: 'endpointslice-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
let dir: TempDir;
let store: ResourceStore;
let controllerStore: ResourceStore;
let abort: AbortController;
let running: Promise<void>;

const open = (): ResourceStore =>
  openSqliteStore({ path: join(dir.path, 'kedge.db'), clock: systemClock, pollIntervalMs: 5 });

async function runningPod(name: string, node: string, ip: string): Promise<void> {
  await store.create('Pod', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: node, containers: [{ name: 'web', image: 'web:v1' }] },
  } as Pod);
  await mutate(
    store,
    'Pod',
    name,
    (p) => ({
      ...p,
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
    }),
    { namespace: 'default', status: true },
  );
}

const endpointsOf = async (): Promise<string[] | undefined> => {
  const slice = await store.get('EndpointSlice', 'web', 'default');
  return slice?.endpoints
    ?.map((e) => `${e.addresses[0]}@${e.nodeName}:${String(e.conditions?.ready)}`)
    .sort();
};

beforeEach(async () => {
  dir = await tempDir('kedge-endpointslice-');
  store = open();
  controllerStore = open();
  abort = new AbortController();
  running = new EndpointSliceController({ store: controllerStore, clock: systemClock, log }).run(
    abort.signal,
  );
});

afterEach(async () => {
  abort.abort();
  await running.catch(() => undefined);
  await controllerStore.close();
  await store.close();
  await dir.cleanup();
});

describe('embedded endpointslice controller', () => {
  it('assigns ClusterIPs from 10.96.0.0/16 and keeps one slice per Service in step with its pods', async () => {
    await runningPod('web-1', 'edge-1', '10.244.1.5');
    for (const name of ['web', 'other']) {
      await store.create('Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default' },
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      });
    }
    const ips = await waitFor(
      async () => {
        const all = (await store.list('Service', { namespace: 'default' })).items;
        const got = all.map((s) => s.spec?.clusterIP ?? '');
        return got.every((ip) => ip !== '') ? got.sort() : undefined;
      },
      { what: 'ClusterIPs on both Services', timeoutMs: 10_000 },
    );
    expect(ips).toEqual(['10.96.0.2', '10.96.0.3']);
    expect(
      await waitFor(async () => ((await endpointsOf())?.length === 1 ? endpointsOf() : undefined), {
        what: 'the slice of web with web-1',
        timeoutMs: 10_000,
      }),
    ).toEqual(['10.244.1.5@edge-1:true']);
    const slice = await store.get('EndpointSlice', 'web', 'default');
    expect(slice?.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(slice?.metadata.labels?.['kubernetes.io/service-name']).toBe('web');

    await runningPod('web-2', 'edge-2', '10.244.2.5');
    await mutate(
      store,
      'Pod',
      'web-1',
      (p) => ({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } }),
      { namespace: 'default', status: true },
    );
    await waitFor(
      async () => {
        const eps = await endpointsOf();
        return eps?.join() === '10.244.1.5@edge-1:false,10.244.2.5@edge-2:true' ? true : undefined;
      },
      { what: 'web-2 added and web-1 not ready', timeoutMs: 10_000 },
    );
    await store.delete('Pod', 'web-1', 'default');
    await waitFor(
      async () => ((await endpointsOf())?.join() === '10.244.2.5@edge-2:true' ? true : undefined),
      {
        what: 'web-1 gone from the slice',
        timeoutMs: 10_000,
      },
    );

    await store.delete('Service', 'web', 'default');
    await waitFor(async () => ((await store.get('EndpointSlice', 'web', 'default')) ? undefined : true), {
      what: 'the slice deleted with its Service',
      timeoutMs: 10_000,
    });
  });
});
