// Issue 9: `kedgectl apply` passed a manifest's `status` through on create,
// and the store kept a Node's. A user who may apply manifests created a Node
// that never connected, with a forged `Ready: True`, and node-task selection
// took it as a healthy edge node: a job waited on a machine that does not
// exist. Now no status from a manifest reaches the store, on any path,
// for any kind: selection sees a node that never reported its status.
import { join } from 'node:path';
import type { ConfigUpdateJob } from '@kedge/api';
import { LocalCloud } from '@kedge/localup';
import { startProcess, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEDGECTL = 'packages/keadm/src/bin/kedgectl.ts';

const manifests = `apiVersion: v1
kind: Node
metadata:
  name: ghost
  labels:
    node-role.kubernetes.io/edge: ""
    site: forged
status:
  conditions:
    - type: Ready
      status: "True"
      reason: EdgeConnected
---
apiVersion: operations.kubeedge.io/v1alpha2
kind: ConfigUpdateJob
metadata:
  name: update-forged-site
spec:
  updateFields:
    modules.edgeStream.enable: "true"
  labelSelector:
    matchLabels:
      site: forged
status:
  phase: InProgress
  nodeStatus:
    - nodeName: ghost
      phase: Successful
`;

describe('a manifest cannot forge what controllers observe', () => {
  let dir: TempDir;
  let cloud: LocalCloud;

  beforeAll(async () => {
    dir = await tempDir('kedge-forged-status-');
    cloud = new LocalCloud({ dir: dir.path });
    await cloud.startControllerManager();
  });
  afterAll(async () => {
    await cloud?.close();
    await dir?.cleanup();
  });

  it('kedgectl apply stores no status, so a never-connected Node is not selected as Ready', async () => {
    const apply = startProcess({
      name: 'kedgectl apply',
      args: [KEDGECTL, 'apply', '-f', '-'],
      env: { KEDGE_STORE_PATH: join(dir.path, 'kedge.db') },
      input: manifests,
    });
    expect((await apply.exited).code).toBe(0);
    expect((await cloud.store.get('Node', 'ghost'))?.status).toBeUndefined();

    const job = await waitFor(
      async () => {
        const j: ConfigUpdateJob | undefined = await cloud.store.get('ConfigUpdateJob', 'update-forged-site');
        return (j?.status?.nodeStatus?.length ?? 0) > 0 ? j : undefined;
      },
      { what: 'controllermanager to select nodes for the job', timeoutMs: 20_000 },
    );
    expect(job.status?.nodeStatus).toEqual([
      {
        nodeName: 'ghost',
        phase: 'Failure',
        reason: 'node ghost is not Ready: it has never reported its status',
      },
    ]);
  });
});
