// KubeEdge's own v1alpha1 samples (build/crd-samples/operations in
// kubeedge/kubeedge at 16cd8548e, copied unchanged into testdata/) are
// accepted by `kedgectl apply` as they are, and with the gate
// disableNodeTaskV1alpha2 on they are run as v1alpha1 jobs whose status has
// no phase that contradicts the v1alpha1 state.
import { join } from 'node:path';
import { CREATED_AS_ANNOTATION } from '@kedge/api';
import { LocalCloud } from '@kedge/localup';
import { repoRoot, startProcess, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SAMPLES = join(repoRoot(), 'e2e/node-tasks/testdata/kubeedge-samples');

describe("KubeEdge's v1alpha1 samples", () => {
  let dir: TempDir;
  let cloud: LocalCloud;

  beforeAll(async () => {
    dir = await tempDir('kedge-samples-');
    cloud = new LocalCloud({ dir: dir.path, featureGates: { disableNodeTaskV1alpha2: true } });
    await cloud.startControllerManager();
  });
  afterAll(async () => {
    await cloud?.close();
    await dir?.cleanup();
  });

  const apply = async (file: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const p = startProcess({
      name: 'kedgectl',
      args: [
        'packages/keadm/src/bin/kedgectl.ts',
        '--store',
        cloud.storePath,
        'apply',
        '-f',
        join(SAMPLES, file),
      ],
    });
    const exit = await p.exited;
    return { code: exit.code, stdout: p.stdout(), stderr: p.stderr() };
  };

  it.each([
    ['nodeupgradejob.yaml', 'NodeUpgradeJob', 'upgrade-example'],
    ['imageprepulljob.yaml', 'ImagePrePullJob', 'imageprepull-example'],
  ] as const)('applies %s unchanged and runs it as a v1alpha1 job', async (file, kind, name) => {
    const result = await apply(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const job = await waitFor(
      async () => {
        const j = await cloud.store.get(kind, name);
        return j?.status?.state !== undefined ? j : undefined;
      },
      { what: `${name} initialised`, timeoutMs: 20_000 },
    );
    expect(job.metadata.annotations?.[CREATED_AS_ANNOTATION]).toBe('operations.kubeedge.io/v1alpha1');
    expect(job.metadata.labels).toBeDefined();
  });

  it('gives each node a phase that agrees with its v1alpha1 state', async () => {
    const job = await cloud.store.get('ImagePrePullJob', 'imageprepull-example');
    const nodes = job?.status?.status?.map((s) => s.nodeStatus) ?? [];
    // edgenode1 does not exist here: it fails at Init, and the job fails with it.
    expect(nodes).toEqual([expect.objectContaining({ nodeName: 'edgenode1', state: 'Failed' })]);
    expect(job?.status?.phase).toBe('Failure');
  });
});
