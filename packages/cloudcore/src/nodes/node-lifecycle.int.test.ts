// NodeLifecycle.register on a real embedded store: what the node reports at
// register (capacity, allocatable, nodeInfo, addresses) lands on the Node's
// status, with kubeletVersion the edgecore version.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { NodeLifecycle } from './node-lifecycle.ts';

describe('NodeLifecycle.register', () => {
  let dir: TempDir;
  let store: ResourceStore;

  beforeEach(async () => {
    dir = await tempDir('kedge-node-lifecycle-');
    store = openSqliteStore({
      path: join(dir.path, 'kedge.db'),
      clock: systemClock,
      pollIntervalMs: 5,
    });
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  it('stores capacity, allocatable, nodeInfo and addresses from the register content', async () => {
    const lifecycle = new NodeLifecycle({
      store,
      replicaId: 'cloudcore-0',
      heartbeatWriteIntervalMs: 10_000,
      clock: systemClock,
      log: createLogger({ name: 'test', level: 'silent' }),
    });
    const resources = { cpu: '4', memory: '8048576Ki', pods: '110' };
    await lifecycle.register(
      'edge-1',
      {
        edgecoreVersion: 'v1.21.0-kedge.3',
        addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
        nodeInfo: {
          architecture: 'amd64',
          operatingSystem: 'linux',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: 'containerd://1.7.24',
        },
        capacity: resources,
        allocatable: { ...resources, pods: '100' },
      },
      'v1.21.0-kedge.3',
    );
    const node = await store.get('Node', 'edge-1');
    expect(node?.status).toMatchObject({
      capacity: resources,
      allocatable: { ...resources, pods: '100' },
      addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kernelVersion: '6.1.0',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: 'v1.21.0-kedge.3',
      },
    });
  });
});
